package image

import (
	"errors"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	const dg = "sha256:7f462690d9eeeea8f8f31653e38cd53db13d0446be5cc8ac38c3ab8c9ef2e574"
	for _, tc := range []struct {
		in, want string
	}{
		{"busybox", "docker.io/library/busybox:latest"},
		{"busybox:1.36", "docker.io/library/busybox:1.36"},
		{"library/busybox", "docker.io/library/busybox:latest"},
		{"docker.io/busybox", "docker.io/library/busybox:latest"},
		{"user/app:v1", "docker.io/user/app:v1"},
		{"localhost/app", "localhost/app:latest"},
		{"localhost:5000/a/b:c", "localhost:5000/a/b:c"},
		{"127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest"},
		{"quay.io/x/y", "quay.io/x/y:latest"},
		{"busybox@" + dg, "docker.io/library/busybox@" + dg},
		{"busybox:1@" + dg, "docker.io/library/busybox@" + dg},
	} {
		got, err := Normalize(tc.in)
		if err != nil {
			t.Errorf("Normalize(%q): %v", tc.in, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got.String(), tc.want)
		}
	}
}

func TestNormalizeBad(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, wantMsg string
	}{
		{"", "image name is empty"},
		{"BusyBox", "must be lowercase"},
		{"busybox:", "invalid reference format"},
		{"busybox:a:b", "invalid reference format"},
		{"-bad", "invalid reference format"},
		{"busybox@sha256:abc", "invalid reference format"},
		{strings.Repeat("a", 64), "image ID, not a name"},
		{"busybox:" + strings.Repeat("t", 129), "invalid reference format"},
	} {
		_, err := Normalize(tc.in)
		if err == nil {
			t.Errorf("Normalize(%q) succeeded, want an error", tc.in)
			continue
		}
		if !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("Normalize(%q): error %v is not ErrInvalid", tc.in, err)
		}
		if !strings.Contains(err.Error(), tc.wantMsg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Normalize(%q) = %q, want one line containing %q", tc.in, err, tc.wantMsg)
		}
	}
}

func TestNormalizeTag(t *testing.T) {
	t.Parallel()
	if r, err := NormalizeTag("myrepo"); err != nil || r.String() != "docker.io/library/myrepo:latest" {
		t.Errorf("NormalizeTag(myrepo) = %v, %v", r, err)
	}
	if _, err := NormalizeTag("a@sha256:7f462690d9eeeea8f8f31653e38cd53db13d0446be5cc8ac38c3ab8c9ef2e574"); err == nil {
		t.Error("NormalizeTag accepted a digest")
	}
}

func TestFamiliarAndSplit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"docker.io/library/busybox:latest": "busybox:latest",
		"docker.io/user/app:v1":            "user/app:v1",
		"127.0.0.1:5000/x:y":               "127.0.0.1:5000/x:y",
		"not a name":                       "not a name",
	} {
		if got := Familiar(in); got != want {
			t.Errorf("Familiar(%q) = %q, want %q", in, got, want)
		}
	}
	names := []string{
		"docker.io/library/busybox:latest", "docker.io/library/busybox:1",
		"docker.io/library/busybox@sha256:7f462690d9eeeea8f8f31653e38cd53db13d0446be5cc8ac38c3ab8c9ef2e574",
		"127.0.0.1:5000/app:v2",
	}
	tags, digests := splitNames(names)
	if len(tags) != 3 || len(digests) != 1 || tags[2].Repository != "127.0.0.1:5000/app" || tags[2].Tag != "v2" {
		t.Errorf("splitNames: tags %+v digests %+v", tags, digests)
	}
	if got := repoTags(names); strings.Join(got, ",") != "busybox:latest,busybox:1,127.0.0.1:5000/app:v2" {
		t.Errorf("repoTags = %v", got)
	}
}

func TestRepoDigests(t *testing.T) {
	t.Parallel()
	d := "sha256:7f462690d9eeeea8f8f31653e38cd53db13d0446be5cc8ac38c3ab8c9ef2e574"
	got := repoDigests([]string{"docker.io/library/busybox:latest", "docker.io/library/busybox:1", "docker.io/library/busybox@" + d}, nil)
	if len(got) != 1 || got[0] != "busybox@"+d {
		t.Errorf("repoDigests = %v", got)
	}
}

func TestShortIDAndLooksLikeID(t *testing.T) {
	t.Parallel()
	id := "27d48d2233500e52058e68acd6484ba4ed4a66d83a4ba162d5e73e3c6d9bf3e9"
	if ShortID(id) != "27d48d223350" || ShortID("sha256:"+id) != "27d48d223350" || ShortID("abc") != "abc" {
		t.Error("ShortID")
	}
	for s, want := range map[string]bool{"27d": true, "sha256:" + id: true, "ab": false, "busybox": false, id + "0": false} {
		if looksLikeID(s) != want {
			t.Errorf("looksLikeID(%q) != %v", s, want)
		}
	}
}

func TestRegistryKeyAndLoopback(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"": "docker.io", "docker.io": "docker.io", "https://index.docker.io/v1/": "docker.io",
		"index.docker.io": "docker.io", "localhost:5000": "localhost:5000",
		"http://127.0.0.1:5000/": "127.0.0.1:5000", "quay.io": "quay.io",
	} {
		if got := RegistryKey(in); got != want {
			t.Errorf("RegistryKey(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]bool{
		"localhost": true, "localhost:5000": true, "127.0.0.1:5000": true, "127.1.2.3": true,
		"[::1]:5000": true, "10.0.0.1:5000": false, "docker.io": false, "localhost.example.com": false,
	} {
		if IsLoopbackRegistry(in) != want {
			t.Errorf("IsLoopbackRegistry(%q) != %v", in, want)
		}
	}
}
