// Package initexe holds the init and exec roles as a program of their own,
// embedded in skiff's binary: a few megabytes, where skiff's whole binary
// is thirty. Every Go process pays the initialisation of every package
// linked into its binary before main, whatever it is started for; skiff's
// image libraries alone (registry references, signatures, encryption:
// compiled regular expressions, protocol buffer registries) cost ten
// million instructions and a thousand page faults there, and `run` and
// `exec` each start one role process besides the CLI. The small program
// starts in a tenth of that.
//
// The program is built first and embedded with the skiff_initexe build
// tag, its SHA-256 digest set with -X (the Makefile does all three);
// without them Open returns nothing and the roles run from skiff's own
// binary, as they always can.
//
// It must not import runtime/container, storage or commands.
package initexe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// digest is the program's SHA-256 (hex), set by the linker: the name it
// is kept under between commands.
var digest string

// Open returns the roles' program for the monitor (the init) and exec to
// execute from, sealed such that no container process can write to it
// through /proc/PID/exe or keep a handle it could reopen for writing
// later (runc's CVE-2019-5736): a detached, read-only clone of the mount
// of its copy in dir (a directory of the run root: written once per
// build, read by every start and exec from the page cache), or where the
// kernel cannot clone it, a sealed memfd copy. Without an embedded
// program it returns nil, nil.
func Open(dir string) (*os.File, error) {
	if len(program) == 0 {
		return nil, nil
	}
	if digest != "" {
		if f, err := openKept(dir); err == nil {
			return f, nil
		}
	}
	return sealedCopy()
}

// openKept clones the mount of the kept copy, writing the copy first
// when it is missing.
func openKept(dir string) (*os.File, error) {
	path := filepath.Join(dir, digest)
	f, err := cloneReadOnly(path)
	if errors.Is(err, unix.ENOENT) {
		if err = keep(dir, path); err != nil {
			return nil, err
		}
		f, err = cloneReadOnly(path)
	}
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != int64(len(program)) {
		f.Close()
		return nil, fmt.Errorf("%s is not skiff's init program", path)
	}
	return f, nil
}

// cloneReadOnly opens path on a detached, read-only clone of its mount,
// refusing a mount nothing can be executed from (a run root under a
// noexec /tmp).
func cloneReadOnly(path string) (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, err
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, err
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil || st.Flags&unix.ST_NOEXEC != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: cannot execute from its mount", path)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// keep writes the program to path (whole, or not at all) and removes the
// copies of other builds.
func keep(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(program)
	if err == nil {
		err = tmp.Chmod(0o500)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != digest && e.Name()[0] != '.' {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

func sealedCopy() (*os.File, error) {
	fd, err := unix.MemfdCreate("skiff-initexe", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("copying skiff's init program: %w", err)
	}
	f := os.NewFile(uintptr(fd), "skiff-initexe")
	if _, err = f.Write(program); err == nil {
		_, err = unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("copying skiff's init program: %w", err)
	}
	return f, nil
}
