package container

import (
	"fmt"
	"os"
	goruntime "runtime"
	"sort"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/inroot"
	"github.com/skiff-containers/skiff/internal/pathutil"
	"github.com/skiff-containers/skiff/runtime/mounts"
)

// fsView is a container's filesystem as cp, diff, export and commit see
// it: the root filesystem mounted, and with binds the container's volumes
// and bind mounts on their targets. It lives in a private mount namespace
// of one OS thread, so nothing it mounts is visible elsewhere and all of it
// vanishes with the thread, even when skiff is killed.
type fsView struct {
	c *Container
	// Root is the root filesystem's mount point in the view.
	Root string
	// mounts are the user mounts bound into Root, resolved to host paths.
	mounts []viewMount
}

type viewMount struct {
	target string // resolved host path under Root
	UserMount
}

// View kinds: what withView shows.
const (
	viewRoot   = 0         // the root filesystem alone (export leaves volumes out)
	viewBinds  = 1 << iota // the container's volumes and bind mounts too (cp)
	viewWrites             // fn writes (cp into the container)
)

// withView runs fn in the container's filesystem view of the given kind.
func (c *Container) withView(kind int, fn func(v *fsView) error) error {
	errc := make(chan error, 1)
	go func() {
		// The thread is never unlocked: it ends with the goroutine, taking
		// its mount namespace and every mount in it along.
		goruntime.LockOSThread()
		errc <- c.inView(kind, fn)
	}()
	return <-errc
}

func (c *Container) inView(kind int, fn func(v *fsView) error) error {
	if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_FS); err != nil {
		return fmt.Errorf("creating a mount namespace for the copy: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making the copy's mounts private: %w", err)
	}
	v := &fsView{c: c}
	release, err := v.mountRoot(kind&viewWrites != 0)
	if err != nil {
		return err
	}
	defer release()
	if kind&viewBinds != 0 {
		if err := v.bindUserMounts(); err != nil {
			return err
		}
	}
	return fn(v)
}

// mountRoot finds the root filesystem of a running container, or mounts
// that of a stopped one (in this namespace only), under the container's
// lock so a start or rm cannot interleave. A running keep-id container is
// read through the store's own mount, whose owners are the container's
// ids, and written through its fuse mount, which maps the writer's ids as
// the container's processes see them.
func (v *fsView) mountRoot(write bool) (func(), error) {
	l, err := lock(v.c.e, v.c.ID)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	fresh, err := load(v.c.e, v.c.ID)
	if err != nil {
		return nil, err
	}
	*v.c = *fresh
	if v.c.State.Running() && v.c.State.Rootfs != "" && (write || v.c.HostConfig.UsernsMode != "keep-id") {
		v.Root = v.c.State.Rootfs
		return func() {}, nil
	}
	s, err := v.c.e.Store()
	if err != nil {
		return nil, err
	}
	root, err := s.Mount(v.c.ID, "")
	if err != nil {
		return nil, fmt.Errorf("mounting the root filesystem of %s: %w", v.c.ShortID(), err)
	}
	v.Root = root
	return func() { _, _ = s.Unmount(v.c.ID, false) }, nil
}

// bindUserMounts puts the container's volumes and bind mounts on their
// targets, parents first, read-only where the container has them so. The
// targets are resolved and created inside the root (internal/inroot): a
// running container could otherwise swap a directory for a symlink and
// have skiff create or mount something on the host's side.
func (v *fsView) bindUserMounts() error {
	list := append([]UserMount{}, v.c.UserMounts...)
	sort.SliceStable(list, func(i, j int) bool { return depth(list[i].Destination) < depth(list[j].Destination) })
	store := VolumeStore(v.c.e)
	root, err := os.OpenFile(v.Root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, u := range list {
		src := u.Source
		switch u.Type {
		case mounts.TypeTmpfs:
			continue // a tmpfs lives only in the container
		case mounts.TypeVolume:
			vol, err := store.Get(u.Name)
			if err != nil {
				continue
			}
			src = vol.HostPath()
		}
		st, err := os.Stat(src)
		if err != nil {
			continue // a -v source made at start, never started
		}
		if err := v.bindUserMount(root, src, st.IsDir(), u); err != nil {
			return err
		}
	}
	return nil
}

func (v *fsView) bindUserMount(root *os.File, src string, dir bool, u UserMount) error {
	target, err := inroot.Target(root, u.Destination, dir)
	if err != nil {
		return fmt.Errorf("preparing %s for the copy: %w", u.Destination, err)
	}
	defer target.Close()
	at, err := os.Readlink(inroot.ProcPath(target))
	if err != nil {
		return err
	}
	attr := &unix.MountAttr{}
	if !u.RW {
		attr.Attr_set = unix.MOUNT_ATTR_RDONLY
	}
	if err := inroot.Bind(src, target, true, attr); err != nil {
		return fmt.Errorf("mounting %s for the copy: %w", u.Destination, err)
	}
	v.mounts = append(v.mounts, viewMount{target: at, UserMount: u})
	return nil
}

// hostPath is where a container path lies in the view, all symlinks
// resolved inside the container.
func (v *fsView) hostPath(p string) (string, error) {
	return securejoin.SecureJoin(v.Root, p)
}

// mountAt is the user mount holding a resolved host path, if any.
func (v *fsView) mountAt(host string) *viewMount {
	var best *viewMount
	for i := range v.mounts {
		m := &v.mounts[i]
		if pathutil.Within(host, m.target) {
			if best == nil || len(m.target) > len(best.target) {
				best = m
			}
		}
	}
	return best
}

// checkWritable refuses to write where the container could not: a
// read-only volume, or the root filesystem of a --read-only container.
func (v *fsView) checkWritable(host string) error {
	if m := v.mountAt(host); m != nil {
		if !m.RW {
			return errdefs.Invalid("mounted volume is marked read-only")
		}
		return nil
	}
	if v.c.HostConfig.ReadonlyRootfs {
		return errdefs.Invalid("container rootfs is marked read-only")
	}
	return nil
}
