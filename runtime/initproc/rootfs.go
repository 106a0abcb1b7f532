package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/inroot"
	"github.com/skiff-containers/skiff/internal/pathutil"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// setupRootfs builds the container's filesystem view and pivots into it.
func setupRootfs(cfg *Config) error {
	s := cfg.Spec
	rootfs := s.Root.Path
	prop := uintptr(unix.MS_SLAVE | unix.MS_REC)
	if p, ok := propagationFlags()[s.Linux.RootfsPropagation]; ok && s.Linux.RootfsPropagation != "" {
		prop = p
	}
	if err := unix.Mount("", "/", "", prop, ""); err != nil {
		return fmt.Errorf("making / %s: %w", s.Linux.RootfsPropagation, err)
	}
	// pivot_root needs the new root to be a mount point.
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind-mounting the root filesystem: %w", err)
	}
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening the root filesystem: %w", err)
	}
	defer root.Close()
	for _, m := range s.Mounts {
		if !cfg.InUserNS && m.Type == "bind" && pathutil.Within(m.Destination, "/dev") {
			made, err := makeDevice(root, m)
			if err != nil {
				return fmt.Errorf("making device %s: %w", m.Destination, err)
			}
			if made {
				continue
			}
		}
		if err := mountInto(root, m); err != nil {
			return fmt.Errorf("mounting %s on %s: %w", m.Type, m.Destination, err)
		}
	}
	if err := setupDev(rootfs, cfg); err != nil {
		return err
	}
	if err := pivotRoot(rootfs); err != nil {
		return err
	}
	for k, v := range s.Linux.Sysctl {
		// A default the kernel does not offer in this network namespace
		// (host network, old kernels) is not fatal; the user's are.
		err := os.WriteFile("/proc/sys/"+strings.ReplaceAll(k, ".", "/"), []byte(v), 0)
		if err != nil && spec.DefaultSysctls[k] != v {
			return fmt.Errorf("setting sysctl %s=%s: %w", k, v, err)
		}
	}
	for _, p := range s.Linux.MaskedPaths {
		if err := maskPath(p); err != nil {
			return fmt.Errorf("masking %s: %w", p, err)
		}
	}
	for _, p := range s.Linux.ReadonlyPaths {
		if err := readonlyPath(p); err != nil {
			return fmt.Errorf("making %s read-only: %w", p, err)
		}
	}
	if s.Root.Readonly {
		if err := remountReadonly("/", false); err != nil {
			return fmt.Errorf("making the root filesystem read-only: %w", err)
		}
	}
	return nil
}

// makeDevice makes the device node a bind mount of a host device under
// /dev would give, as real root does it (docker's runtime too): with
// mknod, which costs a fraction of a bind mount (a privileged container
// gets a hundred of them). made is false when m's source is no device or
// something is already at the destination: the caller bind-mounts then.
func makeDevice(root *os.File, m specs.Mount) (made bool, err error) {
	var st unix.Stat_t
	if err := unix.Stat(m.Source, &st); err != nil {
		return false, nil // the bind mount reports it
	}
	if kind := st.Mode & unix.S_IFMT; kind != unix.S_IFCHR && kind != unix.S_IFBLK {
		return false, nil
	}
	parent, err := inroot.Target(root, filepath.Dir(m.Destination), true)
	if err != nil {
		return false, err
	}
	defer parent.Close()
	dir, name := int(parent.Fd()), filepath.Base(m.Destination)
	err = unix.Mknodat(dir, name, st.Mode&(unix.S_IFMT|0o7777), int(st.Rdev))
	if errors.Is(err, unix.EEXIST) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := unix.Fchownat(dir, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return true, err
	}
	return true, unix.Fchmodat(dir, name, st.Mode&0o7777, 0) // mknod applied the umask
}

// mountInto mounts m inside the root filesystem. The mount point is
// resolved and created inside it (internal/inroot) and used through its
// handle, and bind mounts get their flags before they are attached: a
// process of another container sharing a volume with this one cannot
// make a mount land, or a read-only one stay writable, elsewhere.
func mountInto(root *os.File, m specs.Mount) error {
	flags, prop, data := parseOptions(m.Options)
	isBind := m.Type == "bind" || flags&unix.MS_BIND != 0
	dir := true
	if isBind {
		if st, err := os.Stat(m.Source); err == nil && !st.IsDir() {
			dir = false
		}
	}
	target, err := inroot.Target(root, m.Destination, dir)
	if err != nil {
		return err
	}
	defer target.Close()
	dest := inroot.ProcPath(target)
	switch {
	case isBind:
		if err := inroot.Bind(m.Source, target, flags&unix.MS_REC != 0, inroot.Attrs(flags&^(unix.MS_BIND|unix.MS_REC))); err != nil {
			return err
		}
	case m.Type == "cgroup":
		return mountCgroup(target, flags)
	default:
		err := unix.Mount(m.Source, dest, m.Type, flags, data)
		if err != nil && errors.Is(err, unix.EPERM) {
			// A namespace this user namespace does not own (rootless with
			// the host's network or pids): show the host's instead.
			switch m.Type {
			case "sysfs", "proc":
				return bindHostReadonly(m.Destination, target, flags)
			case "mqueue":
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
	if len(prop) == 0 {
		return nil
	}
	top, err := inroot.Open(root, m.Destination) // the new mount, on top
	if err != nil {
		return err
	}
	defer top.Close()
	for _, p := range prop {
		if err := unix.Mount("", inroot.ProcPath(top), "", p, ""); err != nil {
			return err
		}
	}
	return nil
}

func bindHostReadonly(src string, target *os.File, flags uintptr) error {
	return inroot.Bind(src, target, true, inroot.Attrs(flags&unix.MS_RDONLY))
}

// mountCgroup mounts a cgroup2 hierarchy on a cgroup v2 host; on a v1 host
// the directory stays as sysfs shows it (no controllers are delegated).
func mountCgroup(target *os.File, flags uintptr) error {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil
	}
	err := unix.Mount("cgroup2", inroot.ProcPath(target), "cgroup2", flags, "")
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY) {
		return bindHostReadonly("/sys/fs/cgroup", target, flags)
	}
	return err
}

// remount applies flags (ro, nosuid, ...) to an existing bind mount,
// keeping the flags a user namespace locked on it.
func remount(dest string, flags uintptr, recursive bool) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dest, &st); err != nil {
		return err
	}
	locked := uintptr(0)
	for stFlag, msFlag := range map[int64]uintptr{
		unix.ST_NOSUID: unix.MS_NOSUID, unix.ST_NODEV: unix.MS_NODEV, unix.ST_NOEXEC: unix.MS_NOEXEC,
		unix.ST_RDONLY: unix.MS_RDONLY, unix.ST_NOATIME: unix.MS_NOATIME, unix.ST_RELATIME: unix.MS_RELATIME,
	} {
		if st.Flags&stFlag != 0 {
			locked |= msFlag
		}
	}
	if err := unix.Mount("", dest, "", unix.MS_BIND|unix.MS_REMOUNT|flags|locked, ""); err != nil {
		return err
	}
	if recursive && flags&unix.MS_RDONLY != 0 {
		return unix.MountSetattr(-1, dest, unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY})
	}
	return nil
}

func remountReadonly(path string, recursive bool) error {
	return remount(path, unix.MS_RDONLY, recursive)
}

func pivotRoot(rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(oldroot)
	if err := unix.Chdir(rootfs); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Fchdir(oldroot); err != nil {
		return err
	}
	// The old root is stacked under "."; detach it without propagating.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detaching the old root: %w", err)
	}
	return unix.Chdir("/")
}

// maskPath hides p: /dev/null over a file, an empty read-only tmpfs over a
// directory.
func maskPath(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	if st.IsDir() {
		return unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY, "size=0k")
	}
	err = unix.Mount("/dev/null", p, "", unix.MS_BIND, "")
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

func readonlyPath(p string) error {
	if err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return err
	}
	return remount(p, unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, true)
}
