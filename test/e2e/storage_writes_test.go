package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// Creating and removing a container that is never mounted leaves
// go.podman.io/storage's mount table (the run root's mountpoints.json)
// as it was: the layer store rewrote it, with an fdatasync, at every
// save of its layer records, also with the bytes it already held
// (hack/quiet-mountpoints.sh). A mount still rewrites it. A rewrite is a
// new file renamed over the old one, so it shows as another inode.
func TestMountTableNotRewritten(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("create", "--network", "none", "--name", "first", img, "true").Success(t)
	table := func() os.FileInfo {
		t.Helper()
		paths, _ := filepath.Glob(filepath.Join(e.RunRoot, "storage", "*-layers", "mountpoints.json"))
		if len(paths) != 1 {
			t.Fatalf("mountpoints.json in the run root: %v", paths)
		}
		fi, err := os.Stat(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	before := table()
	e.Skiff("create", "--network", "none", "--name", "second", img, "true").Success(t)
	if !os.SameFile(before, table()) {
		t.Errorf("create rewrote mountpoints.json; build skiff with make (hack/quiet-mountpoints.sh)")
	}
	e.Skiff("rm", "-f", "second").Success(t)
	if !os.SameFile(before, table()) {
		t.Errorf("rm of a container never mounted rewrote mountpoints.json")
	}
	e.Skiff("run", "-d", "--network", "none", "--name", "third", img, "sleep", "100").Success(t)
	if os.SameFile(before, table()) {
		t.Errorf("mounting a container's root filesystem left mountpoints.json as it was")
	}
	e.Skiff("rm", "-f", "third", "first").Success(t)
	if !allRemoved(e) {
		t.Errorf("containers left: %v", psAll(e))
	}
}
