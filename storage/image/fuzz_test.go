package image

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// Image references as every command takes them, and EXPOSE/--change
// port specs.
func FuzzReference(f *testing.F) {
	for _, s := range []string{"busybox", "library/busybox:1.36", "localhost:5000/a/b@sha256:" + strings.Repeat("a", 64), "docker.io/x",
		"UPPER", "a:b:c", "@sha256:x", "[::1]:5000/img:tag", "80/tcp", "9000-9010/udp", "sha256:" + strings.Repeat("0", 64), "a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Normalize(s)
		fuzzcheck.OneLine(t, "reference "+s, err)
		_, err = NormalizeTag(s)
		fuzzcheck.OneLine(t, "tag "+s, err)
		_, err = ParsePortSpec(s)
		fuzzcheck.OneLine(t, "port "+s, err)
		RegistryKey(s)
		IsLoopbackRegistry(s)
	})
}

// Tar streams as load and import read them: checked, unpacked (OCI
// layouts), never written outside their directory.
func FuzzTarStream(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0}, 1024))
	f.Add(tarOf(f, map[string]string{"manifest.json": "[]", "../../x": "up", "/abs": "abs", "a/b/c": "deep"}))
	f.Add(tarOf(f, map[string]string{"oci-layout": "{}", "index.json": "{}", "blobs/sha256/aa": "x"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.tar")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := tarMembers(p)
		fuzzcheck.OneLine(t, "load", err)
		_, _, err = copyCheckedTar(filepath.Join(dir, "copy.tar"), bytes.NewReader(data))
		fuzzcheck.OneLine(t, "import", err)
		sub := filepath.Join(dir, "sub", "out")
		_ = untarPlain(p, sub)
		// only in.tar, copy.tar and sub/ may be in dir
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if n := e.Name(); n != "in.tar" && n != "copy.tar" && n != "sub" {
				t.Fatalf("unpacking wrote %s outside its directory", n)
			}
		}
		if ents, _ := os.ReadDir(filepath.Dir(sub)); len(ents) > 1 {
			t.Fatalf("unpacking wrote %d entries beside its directory", len(ents))
		}
	})
}

// auth.json and registries.conf contents, as login and pull read them.
func FuzzConfigFiles(f *testing.F) {
	f.Add([]byte(`{"auths":{"localhost:5000":{"auth":"dXNlcjpwYXNz"}}}`), []byte("unqualified-search-registries = [\"docker.io\"]\n[[registry]]\nlocation = \"localhost:5000\"\ninsecure = true\n"))
	f.Add([]byte(`{"auths":{"x":{"auth":"!!"}},"credHelpers":{}}`), []byte("[[registry]]\nprefix=\"a\"\nlocation=\"b\"\n[[registry.mirror]]\nlocation=\"c\"\n"))
	f.Add([]byte(`[]`), []byte(`registries = x`))
	f.Fuzz(func(t *testing.T, auth, conf []byte) {
		if bytes.Contains(auth, []byte("credHelpers")) || bytes.Contains(auth, []byte("credsStore")) {
			return // names programs to run: not the parser's part
		}
		dir := t.TempDir()
		sys := &types.SystemContext{AuthFilePath: filepath.Join(dir, "auth.json"), SystemRegistriesConfPath: filepath.Join(dir, "registries.conf"),
			SystemRegistriesConfDirPath: filepath.Join(dir, "registries.conf.d"), RootForImplicitAbsolutePaths: dir}
		os.WriteFile(sys.AuthFilePath, auth, 0o600)
		os.WriteFile(sys.SystemRegistriesConfPath, conf, 0o600)
		StoredUsername(sys, "localhost:5000")
		sysregistriesv2.InvalidateCache()
		err := allowLoopbackMirrors(sys)
		fuzzcheck.OneLine(t, "registries.conf", err)
	})
}
