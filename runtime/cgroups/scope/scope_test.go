package scope

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// listen makes a unix socket at path, as the manager and the bus do.
func listen(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
}

func TestFind(t *testing.T) {
	run := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", run)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("_CONTAINERS_ROOTLESS_UID", "1234")
	if _, ok := Find(); ok {
		t.Fatal("found a user manager in an empty runtime directory")
	}
	listen(t, filepath.Join(run, "systemd", "private"))
	if _, ok := Find(); ok {
		t.Fatal("found a user manager without a session bus")
	}
	listen(t, filepath.Join(run, "bus"))
	b, ok := Find()
	if !ok || b.Addr != "unix:path="+filepath.Join(run, "bus") || b.UID != 1234 {
		t.Fatalf("Find = %+v, %v", b, ok)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/elsewhere")
	if b, _ := Find(); b.Addr != "unix:path=/elsewhere" {
		t.Errorf("Find ignores DBUS_SESSION_BUS_ADDRESS: %+v", b)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if _, ok := Find(); ok {
		t.Error("found a user manager without XDG_RUNTIME_DIR")
	}
}

// A bus that accepts connections and never answers must not hang skiff.
func TestPlaceGivesUp(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	_, err = Bus{Addr: "unix:path=" + sock, UID: os.Getuid()}.Place("x", DefaultSlice)
	if err == nil {
		t.Fatal("Place succeeded against a silent bus")
	}
}

// A socket nobody listens on fails at once.
func TestPlaceRefused(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // the file stays, nobody listens
	_, err = Bus{Addr: "unix:path=" + sock, UID: os.Getuid()}.Place("x", DefaultSlice)
	if err == nil {
		t.Fatal("Place succeeded without a bus")
	}
}

func TestSliceFor(t *testing.T) {
	for parent, want := range map[string]string{"": DefaultSlice, "skiff.slice": "skiff.slice", "a-b.slice": "a-b.slice"} {
		if got, err := SliceFor(parent); err != nil || got != want {
			t.Errorf("SliceFor(%q) = %q, %v", parent, got, err)
		}
	}
	for _, parent := range []string{"/skiff", "skiff", "a/b.slice", "-a.slice"} {
		if _, err := SliceFor(parent); err == nil {
			t.Errorf("SliceFor(%q) accepted", parent)
		}
	}
}

func TestScopeNames(t *testing.T) {
	dir := "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/user.slice/skiff-abc.scope"
	s := Bus{}.At("abc", dir)
	if s.Unit() != "skiff-abc.scope" || s.Slice != "user.slice" || s.Container() != dir+"/container" {
		t.Errorf("scope %+v: unit %s, container %s", s, s.Unit(), s.Container())
	}
	if s.Exists() {
		t.Error("a scope that is not there exists")
	}
	if s.Inside() {
		t.Error("the test runs inside a scope that is not there")
	}
}
