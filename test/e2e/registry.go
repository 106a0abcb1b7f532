package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil"
)

// Registry returns the package's shared registry: Debian's docker-registry
// (distribution 2.8) serving plain HTTP on a free loopback port, with its
// storage in a temporary directory and deletes enabled. It starts on first
// use and TestMain stops it. The test skips when docker-registry is not
// installed.
func Registry(t testing.TB) *testutil.Registry {
	t.Helper()
	Require(t, "registry")
	suite.regOnce.Do(func() {
		suite.reg, suite.regErr = testutil.StartRegistry(filepath.Join(suite.base, "registry"))
	})
	if suite.regErr != nil {
		t.Fatalf("starting the test registry: %v", suite.regErr)
	}
	return suite.reg
}

var pushed struct {
	sync.Mutex
	refs map[string]string
}

// RegistryImage puts a test image ("busybox" or "debian") into the shared
// registry as library/NAME (once per run) and returns its reference there,
// e.g. "127.0.0.1:PORT/library/busybox:latest". The push goes through
// go.podman.io/image, not through skiff.
func RegistryImage(t testing.TB, name string) string {
	t.Helper()
	reg := Registry(t)
	tags := map[string]string{"busybox": "library/busybox:latest", "debian": "library/debian:bookworm"}
	repoTag, ok := tags[name]
	if !ok {
		t.Fatalf("RegistryImage(%q): no such test image (busybox, debian)", name)
	}
	pushed.Lock()
	defer pushed.Unlock()
	if ref, ok := pushed.refs[name]; ok {
		return ref
	}
	ref, err := reg.Push(context.Background(), fixture(t, name+".tar"), repoTag)
	if err != nil {
		t.Fatalf("pushing the %s test image: %v", name, err)
	}
	if pushed.refs == nil {
		pushed.refs = map[string]string{}
	}
	pushed.refs[name] = ref
	return ref
}

// RegistriesConf writes ~/.config/containers/registries.conf for the test's
// user: the shared registry is reachable over plain HTTP (insecure) and,
// when mirrorFor names a registry ("docker.io"), it is that registry's
// mirror, so `pull busybox` works offline once RegistryImage put it there.
// As root, where skiff does not read ~/.config, REGISTRIES_CONFIG_PATH
// points at the file. It returns the file's path.
func (e *Env) RegistriesConf(mirrorFor string) string {
	e.T.Helper()
	reg := Registry(e.T)
	conf := fmt.Sprintf("unqualified-search-registries = [\"docker.io\"]\nshort-name-mode = \"permissive\"\n\n"+
		"[[registry]]\nlocation = %q\ninsecure = true\n", reg.Addr)
	if mirrorFor != "" {
		conf += fmt.Sprintf("\n[[registry]]\nprefix = %q\nlocation = %q\n\n[[registry.mirror]]\nlocation = %q\ninsecure = true\n",
			mirrorFor, mirrorFor, reg.Addr)
	}
	p := e.WriteFile(filepath.Join("home", ".config", "containers", "registries.conf"), conf)
	if !e.Rootless {
		e.Setenv("REGISTRIES_CONFIG_PATH", p)
	}
	return p
}

var fixtures struct {
	sync.Mutex
	paths map[string]string
}

// fixture returns a copy of the test image archive file that every user can
// read (the repository may sit under a directory only root can enter).
func fixture(t testing.TB, file string) string {
	t.Helper()
	fixtures.Lock()
	defer fixtures.Unlock()
	if p, ok := fixtures.paths[file]; ok {
		return p
	}
	src := filepath.Join(suite.images, file)
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("test image %s is missing: run `make images` (hack/make-test-images.sh) or set SKIFF_TEST_IMAGES", src)
	}
	dir := filepath.Join(suite.base, "fx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, file)
	if err := copyFile(src, dst, 0o644); err != nil {
		t.Fatal(err)
	}
	if fixtures.paths == nil {
		fixtures.paths = map[string]string{}
	}
	fixtures.paths[file] = dst
	return dst
}

// Fixture is the path of a test image archive ("busybox.tar",
// "debian.tar") that the test's user can read.
func (e *Env) Fixture(file string) string {
	e.T.Helper()
	return fixture(e.T, file)
}

// Names of the test images once loaded (docker.io/library/...).
const (
	BusyboxImage = "busybox:latest"
	DebianImage  = "debian:bookworm"
)

// LoadBusybox loads the busybox test image with `skiff load -i` and
// returns its name, BusyboxImage.
func (e *Env) LoadBusybox() string {
	e.T.Helper()
	e.Skiff("load", "-i", fixture(e.T, "busybox.tar")).Success(e.T)
	return BusyboxImage
}

// LoadDebian loads the Debian test image with `skiff load -i` and returns
// its name, DebianImage. It skips when that image was not built.
func (e *Env) LoadDebian() string {
	e.T.Helper()
	Require(e.T, "debian")
	e.Skiff("load", "-i", fixture(e.T, "debian.tar")).Success(e.T)
	return DebianImage
}
