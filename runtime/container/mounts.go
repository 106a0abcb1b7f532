package container

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/storage/volume"
)

// prepareMounts adds the container's binds, volumes and tmpfs mounts to
// the spec at start, parents before children. A missing -v source
// directory is created; an empty volume is filled from the image at its
// target (docker's copy-up); a tmpfs volume is mounted on its _data.
func (c *Container) prepareMounts(s *specs.Spec) error {
	if err := c.prepareUserMounts(s); err != nil {
		return err
	}
	return c.startKeepID(s)
}

func (c *Container) prepareUserMounts(s *specs.Spec) error {
	if len(c.UserMounts) == 0 {
		return nil
	}
	list := append([]UserMount{}, c.UserMounts...)
	sort.SliceStable(list, func(i, j int) bool { return depth(list[i].Destination) < depth(list[j].Destination) })
	var tx *volume.Tx
	defer func() { tx.Unlock() }()
	var out []specs.Mount
	for _, u := range list {
		var m specs.Mount
		var err error
		switch u.Type {
		case mounts.TypeBind:
			m, err = bindSpec(u)
		case mounts.TypeVolume:
			if tx == nil {
				if tx, err = VolumeStore(c.e).Lock(); err != nil {
					return err
				}
			}
			m, err = volumeSpec(tx, u, s.Root.Path)
		case mounts.TypeTmpfs:
			m = specs.Mount{Destination: u.Destination, Type: "tmpfs", Source: "tmpfs", Options: mounts.TmpfsMountOptions(u.Options)}
		default:
			err = fmt.Errorf("unknown mount type %q", u.Type)
		}
		if err != nil {
			return err
		}
		out = append(out, m)
	}
	s.Mounts = append(withoutTargets(s.Mounts, out), out...)
	return nil
}

// depth counts the elements of a container path: mounts are made
// shallowest first, so /a is not mounted over /a/b.
func depth(p string) int { return strings.Count(strings.TrimSuffix(p, "/"), "/") }

// withoutTargets drops the default mounts a user mount replaces.
func withoutTargets(ms, user []specs.Mount) []specs.Mount {
	taken := map[string]bool{}
	for _, m := range user {
		taken[m.Destination] = true
	}
	var out []specs.Mount
	for _, m := range ms {
		if !taken[m.Destination] {
			out = append(out, m)
		}
	}
	return out
}

func bindOptions(u UserMount, readOnly bool) []string {
	opts := []string{"rbind"}
	if u.Spec.BindOptions != nil && u.Spec.BindOptions.NonRecursive {
		opts[0] = "bind"
	}
	prop := u.Propagation
	if prop == "" {
		prop = mounts.DefaultPropagation
	}
	opts = append(opts, prop)
	if !u.RW || readOnly {
		opts = append(opts, "ro")
	}
	return opts
}

func bindSpec(u UserMount) (specs.Mount, error) {
	if _, err := os.Stat(u.Source); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return specs.Mount{}, fmt.Errorf("bind source %s: %w", u.Source, err)
		}
		if !u.CreateSource {
			return specs.Mount{}, errdefs.Invalid("invalid mount config for type \"bind\": bind source path does not exist: %s", u.Source)
		}
		if err := os.MkdirAll(u.Source, 0o755); err != nil {
			return specs.Mount{}, fmt.Errorf("error while creating mount source path '%s': %w", u.Source, err)
		}
	}
	return specs.Mount{Destination: u.Destination, Type: "bind", Source: u.Source, Options: bindOptions(u, false)}, nil
}

// volumeSpec readies a volume for mounting: tmpfs mounted, empty volume
// filled from the image; the caller holds the store's lock.
func volumeSpec(tx *volume.Tx, u UserMount, rootfs string) (specs.Mount, error) {
	v, err := tx.Get(u.Name)
	if err != nil {
		if errdefs.IsNotFound(err) {
			return specs.Mount{}, errdefs.NotFound("volume %s used at %s no longer exists: create it again (skiff volume create %s) or remove the container", u.Name, u.Destination, u.Name)
		}
		return specs.Mount{}, err
	}
	if err := volume.Mount(v); err != nil {
		return specs.Mount{}, err
	}
	src := v.HostPath()
	if _, err := os.Stat(src); err != nil {
		return specs.Mount{}, fmt.Errorf("volume %s: %w", v.Name, err)
	}
	if u.CopyData && volume.Empty(src) {
		if err := copyUp(rootfs, u.Destination, src); err != nil {
			return specs.Mount{}, fmt.Errorf("copying the image's %s into volume %s: %w", u.Destination, v.Name, err)
		}
	}
	u.Propagation = ""
	return specs.Mount{Destination: u.Destination, Type: "bind", Source: src, Options: bindOptions(u, v.BindReadOnly())}, nil
}

// copyUp copies the image's directory at target (resolved inside rootfs)
// into the empty volume directory dir, with owners and modes, and gives
// dir the owner and mode of the image's directory, as docker does.
func copyUp(rootfs, target, dir string) error {
	src, err := securejoin.SecureJoin(rootfs, target)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Stat(src, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil // nothing to copy
	}
	if !volume.Empty(src) {
		rc, err := chrootarchive.Tar(src, &archive.TarOptions{Compression: archive.Uncompressed}, rootfs)
		if err != nil {
			return err
		}
		err = chrootarchive.Untar(rc, dir, nil)
		rc.Close()
		if err != nil {
			return err
		}
	}
	if err := os.Lchown(dir, int(st.Uid), int(st.Gid)); err != nil {
		logrus.Debugf("copy-up: chown %s: %v", dir, err)
	}
	return os.Chmod(dir, os.FileMode(st.Mode&0o7777))
}

// releaseMounts unmounts the tmpfs volumes of a stopped container that
// no running container uses any more.
func (c *Container) releaseMounts() {
	c.releaseKeepID()
	store := VolumeStore(c.e)
	var tmpfs []string
	for _, u := range c.UserMounts {
		if u.Type != mounts.TypeVolume {
			continue
		}
		if v, err := store.Get(u.Name); err == nil && v.IsTmpfs() {
			tmpfs = append(tmpfs, u.Name)
		}
	}
	if len(tmpfs) == 0 {
		return
	}
	tx, err := store.Lock()
	if err != nil {
		return
	}
	defer tx.Unlock()
	busy := runningVolumeUsers(c)
	for _, name := range tmpfs {
		v, err := tx.Get(name)
		if err != nil || !v.IsTmpfs() || busy[name] {
			continue
		}
		if err := volume.Unmount(v); err != nil {
			logrus.Debugf("%v", err)
		}
	}
}

// runningVolumeUsers names the volumes running containers other than c
// use.
func runningVolumeUsers(c *Container) map[string]bool {
	busy := map[string]bool{}
	cs, _ := List(c.e)
	for _, o := range cs {
		if o.ID == c.ID || !o.State.Running() {
			continue
		}
		for _, u := range o.UserMounts {
			if u.Type == mounts.TypeVolume {
				busy[u.Name] = true
			}
		}
	}
	return busy
}

// removeVolumes removes the container's anonymous volumes (rm -v, --rm)
// that no other container uses; named volumes stay.
func (c *Container) removeVolumes(anonymous bool) error {
	if !anonymous {
		return nil
	}
	var names []string
	for _, u := range c.UserMounts {
		if u.Type == mounts.TypeVolume && u.Anonymous {
			names = append(names, u.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	store := VolumeStore(c.e)
	for _, name := range names {
		err := store.Remove(name, volume.RemoveOptions{Force: true, Users: VolumeUsers(c.e)})
		if err != nil && !errors.Is(err, errdefs.ErrInUse) {
			return err
		}
	}
	return nil
}
