package container

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/initexe"
)

// sealedExe opens the program of a process that runs inside a
// container's namespaces (the exec role), such that no container process
// can write to it through /proc/PID/exe or keep a handle it could reopen
// for writing later (runc's CVE-2019-5736): the roles' own small program
// (runtime/initexe, a sealed memfd) when skiff embeds it, else skiff's
// own binary, through a detached, read-only clone of its mount
// (open_tree and mount_setattr, a few microseconds), or where the kernel
// cannot, a sealed memfd copy. The monitor does the same for the init
// (spawnMonitor passes it the program; monitor.c, sealed_exe).
func (c *Container) sealedExe() (*os.File, error) {
	if f, err := initexe.Open(c.e.RunDir("initexe")); f != nil || err != nil {
		return f, err
	}
	fd, err := cloneExe()
	if err == nil {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
		if err = unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err == nil {
			return os.NewFile(uintptr(fd), "skiff"), nil
		}
		unix.Close(fd)
	}
	return sealedCopy()
}

// cloneExe clones the mount of the binary. Rootless, the binary was
// executed before skiff joined its mount namespace, and a mount of
// another namespace cannot be cloned: then the binary is cloned by its
// path in this one, when that is the same file.
func cloneExe() (int, error) {
	const flags = unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	fd, err := unix.OpenTree(unix.AT_FDCWD, "/proc/self/exe", flags)
	if err != unix.EINVAL {
		return fd, err
	}
	path, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return -1, err
	}
	if fd, err = unix.OpenTree(unix.AT_FDCWD, path, flags); err != nil {
		return -1, err
	}
	var a, b unix.Stat_t
	if unix.Fstat(fd, &a) != nil || unix.Stat("/proc/self/exe", &b) != nil || a.Dev != b.Dev || a.Ino != b.Ino {
		unix.Close(fd)
		return -1, fmt.Errorf("%s is not the running binary", path)
	}
	return fd, nil
}

func sealedCopy() (*os.File, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("copying the skiff binary for the container: %w", err)
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("skiff", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("copying the skiff binary for the container: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "skiff")
	if _, err = io.Copy(mem, src); err == nil {
		_, err = unix.FcntlInt(mem.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	}
	if err != nil {
		mem.Close()
		return nil, fmt.Errorf("copying the skiff binary for the container: %w", err)
	}
	return mem, nil
}
