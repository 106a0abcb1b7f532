package storage

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSpreadLayers checks that the layers' directory gets ext4's
// top-of-hierarchy flag where the filesystem has it.
func TestSpreadLayers(t *testing.T) {
	for _, driver := range []string{"overlay", "vfs"} {
		root := t.TempDir()
		dir := filepath.Join(root, driver)
		if driver == "vfs" {
			dir = filepath.Join(dir, "dir")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		var st unix.Statfs_t
		if err := unix.Statfs(dir, &st); err != nil {
			t.Fatal(err)
		}
		if st.Type != unix.EXT4_SUPER_MAGIC {
			t.Skipf("%s is not on ext4", dir)
		}
		before := dirFlags(t, dir)
		spreadLayers(root, driver)
		spreadLayers(root, driver) // a second open finds it set
		if got, want := dirFlags(t, dir), before|fsTopdirFlag; got != want {
			t.Errorf("%s: flags %#x, want %#x (FS_TOPDIR_FL added)", driver, got, want)
		}
	}
}

func dirFlags(t *testing.T, dir string) uint32 {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		t.Fatal(err)
	}
	return flags
}
