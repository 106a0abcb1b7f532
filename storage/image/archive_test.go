package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// tarOf builds a tar archive of name->content files.
func tarOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestCopyCheckedTar(t *testing.T) {
	t.Parallel()
	good := tarOf(t, map[string]string{"bin/sh": strings.Repeat("x", 3000), "etc/passwd": "root:x:0:0::/:/bin/sh\n"})
	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{"plain", good, ""},
		{"gzip", gz(t, good), ""},
		{"empty tar", tarOf(t, nil), ""},
		{"empty input", nil, "not a tar archive"},
		{"garbage", []byte("this is not a tar file at all"), "not a tar archive"},
		{"garbage 1k", bytes.Repeat([]byte("junk"), 256), "not a tar archive"},
		{"truncated", good[:1500], "truncated"},
		{"truncated gzip", gz(t, good)[:60], "truncated"},
	} {
		path := filepath.Join(t.TempDir(), "layer.tar")
		d, n, err := copyCheckedTar(path, bytes.NewReader(tc.in))
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if d != digest.FromBytes(good) && tc.name != "empty tar" || n == 0 {
				t.Errorf("%s: digest %s size %d", tc.name, d, n)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestOCIName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ann  map[string]string
		want string
	}{
		{map[string]string{"org.opencontainers.image.ref.name": "docker.io/library/busybox:latest"}, "docker.io/library/busybox:latest"},
		{map[string]string{"org.opencontainers.image.ref.name": "latest"}, ""},
		{map[string]string{"org.opencontainers.image.ref.name": "latest", "io.containerd.image.name": "docker.io/library/alpine:3"}, "docker.io/library/alpine:3"},
		{map[string]string{"org.opencontainers.image.ref.name": "busybox:1"}, "docker.io/library/busybox:1"},
		{nil, ""},
	} {
		got := ""
		if n := ociName(tc.ann); n != nil {
			got = n.String()
		}
		if got != tc.want {
			t.Errorf("ociName(%v) = %q, want %q", tc.ann, got, tc.want)
		}
	}
}
