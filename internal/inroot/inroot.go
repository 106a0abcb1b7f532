// Package inroot opens and creates paths inside a root directory as the
// container that owns the root sees them: symlinks resolve inside the root,
// and nothing a process running in the root (or in another container
// sharing a volume with it) does meanwhile can make an operation land
// outside it. Paths are resolved with openat2(RESOLVE_IN_ROOT) through
// filepath-securejoin's pathrs-lite, then used through their handles.
//
// It must not import anything of skiff's.
package inroot

import (
	"errors"
	"fmt"
	"os"
	"path"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// Open returns an O_PATH handle of p inside root.
func Open(root *os.File, p string) (*os.File, error) {
	return pathrs.OpenatInRoot(root, p)
}

// Target returns an O_PATH handle of the mount point p inside root,
// creating it when missing: a directory, or an empty file when dir is
// false, with the directories above it.
func Target(root *os.File, p string, dir bool) (*os.File, error) {
	f, err := Open(root, p)
	if !errors.Is(err, os.ErrNotExist) {
		return f, err
	}
	if dir {
		return pathrs.MkdirAllHandle(root, p, 0o755)
	}
	parent, err := pathrs.MkdirAllHandle(root, path.Dir(path.Clean("/"+p)), 0o755)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	fd, err := unix.Openat(int(parent.Fd()), path.Base(path.Clean("/"+p)), unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, 0o644)
	if err == nil {
		unix.Close(fd)
	} else if !errors.Is(err, unix.EEXIST) {
		return nil, err
	}
	return Open(root, p)
}

// ProcPath names a handle's file for system calls that take a path: the
// kernel follows the link to the file itself, whatever its path now.
func ProcPath(f *os.File) string { return fmt.Sprintf("/proc/self/fd/%d", f.Fd()) }

// Bind mounts a clone of source on target (a handle, from Target) with
// the mount attributes attr (MOUNT_ATTR_*) set before the clone is
// attached, so it is never visible writable nor attached elsewhere.
func Bind(source string, target *os.File, recursive bool, attr *unix.MountAttr) error {
	flags, setFlags := uint(unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC), uint(unix.AT_EMPTY_PATH)
	if recursive {
		flags |= unix.AT_RECURSIVE
		setFlags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, source, flags)
	if err != nil {
		return fmt.Errorf("cloning %s: %w", source, err)
	}
	defer unix.Close(fd)
	if attr != nil && (attr.Attr_set != 0 || attr.Attr_clr != 0) {
		if err := unix.MountSetattr(fd, "", setFlags, attr); err != nil {
			return fmt.Errorf("setting the attributes of %s: %w", source, err)
		}
	}
	return unix.MoveMount(fd, "", int(target.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
}

// Attrs maps mount(2) flags to mount_setattr's attributes.
func Attrs(flags uintptr) *unix.MountAttr {
	a := &unix.MountAttr{}
	for ms, attr := range map[uintptr]uint64{
		unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY, unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
		unix.MS_NODEV: unix.MOUNT_ATTR_NODEV, unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC,
		unix.MS_NODIRATIME: unix.MOUNT_ATTR_NODIRATIME,
	} {
		if flags&ms != 0 {
			a.Attr_set |= attr
		}
	}
	switch {
	case flags&unix.MS_NOATIME != 0:
		a.Attr_set |= unix.MOUNT_ATTR_NOATIME
		a.Attr_clr |= unix.MOUNT_ATTR__ATIME
	case flags&unix.MS_STRICTATIME != 0:
		a.Attr_set |= unix.MOUNT_ATTR_STRICTATIME
		a.Attr_clr |= unix.MOUNT_ATTR__ATIME
	}
	return a
}
