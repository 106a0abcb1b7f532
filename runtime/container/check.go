package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/pathutil"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/storage"
)

// Leftover is something a command that was killed (kill -9, a crash, a
// reboot) left in the container store: `system check` lists them and
// `system check --repair` removes them.
type Leftover struct {
	// What says what is left, on one line.
	What string
	fix  func() error
}

// Repair removes the leftover.
func (l Leftover) Repair() error { return l.fix() }

// Leftovers finds, without changing anything: container directories
// without a record (a create that was killed), records whose root
// filesystem is gone, root filesystems without a record, names pointing
// to no container, and what stopped containers still hold (the mount,
// network and runtime directory of one whose monitor died).
func Leftovers(e *engine.Engine) ([]Leftover, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	var out []Leftover
	entries, err := os.ReadDir(containersDir(e))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	dirs := map[string]bool{}
	for _, ent := range entries {
		id := ent.Name()
		dirs[id] = true
		if nameStale(e, id) { // no record, and nobody creating it
			out = append(out, Leftover{
				What: fmt.Sprintf("container directory %s has no record (a create or rm that was interrupted)", short(id)),
				fix:  func() error { return removeLeftover(e, s, id) },
			})
			continue
		}
		c, err := load(e, id)
		if err != nil {
			continue // being created or removed right now
		}
		if _, err := s.Container(id); errors.Is(err, cstorage.ErrContainerUnknown) && !c.State.Running() {
			out = append(out, Leftover{
				What: fmt.Sprintf("container %s (%s) has no root filesystem in storage", c.ShortID(), c.Name),
				fix:  func() error { return removeLeftover(e, s, id) },
			})
			continue
		}
		if c.State.Running() {
			continue
		}
		if n, err := s.Mounted(id); (err == nil && n > 0) || c.State.Rootfs != "" || netns.IsPinned(c.pinPath()) {
			out = append(out, Leftover{
				What: fmt.Sprintf("stopped container %s (%s) still holds its root filesystem mount, network or runtime directory", c.ShortID(), c.Name),
				fix: func() error {
					return Locked(e, id, func(c *Container) error {
						if c.State.Running() {
							return nil
						}
						c.releaseRuntime()
						return nil
					})
				},
			})
		}
	}
	ctrs, err := s.Containers()
	if err != nil {
		return nil, err
	}
	for _, sc := range ctrs {
		if dirs[sc.ID] {
			continue
		}
		id := sc.ID
		out = append(out, Leftover{
			What: fmt.Sprintf("root filesystem %s in storage belongs to no container", short(id)),
			fix: func() error {
				if _, err := os.Stat(filepath.Join(containersDir(e), id)); err == nil {
					return nil // created meanwhile
				}
				_, _ = s.Unmount(id, true)
				if err := s.DeleteContainer(id); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) {
					return err
				}
				return nil
			},
		})
	}
	runDirs, err := os.ReadDir(e.RunDir("containers"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, ent := range runDirs {
		id := ent.Name()
		if dirs[id] {
			continue // the record's checks above
		}
		if _, err := os.Stat(filepath.Join(containersDir(e), id)); err == nil {
			continue // created since the records were read
		}
		out = append(out, Leftover{
			What: fmt.Sprintf("runtime directory of container %s (network namespace, port forwarder, mounts) has no record", short(id)),
			fix: func() error {
				if _, err := os.Stat(filepath.Join(containersDir(e), id)); err == nil {
					return nil // created meanwhile
				}
				return releaseOrphanRuntime(e, id)
			},
		})
	}
	stray, err := strayMounts(e, s, dirs)
	if err != nil {
		return nil, err
	}
	out = append(out, stray...)
	names, err := os.ReadDir(namesDir(e))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, n := range names {
		p := filepath.Join(namesDir(e), n.Name())
		target, err := os.Readlink(p)
		if err != nil || (!dirs[target] && nameStale(e, target)) {
			name := n.Name()
			out = append(out, Leftover{
				What: fmt.Sprintf("name %s points to no container", name),
				fix: func() error {
					if t, err := os.Readlink(p); err == nil && !nameStale(e, t) {
						return nil // taken again meanwhile
					}
					return ignoreNotExist(os.Remove(p))
				},
			})
		}
	}
	return out, nil
}

// removeLeftover removes what a container that never got (or lost) its
// record has: its root filesystem, names, runtime and state directories.
func removeLeftover(e *engine.Engine, s interface {
	Unmount(string, bool) (bool, error)
	DeleteContainer(string) error
}, id string) error {
	l, err := lock(e, id)
	if err != nil {
		if errdefs.IsNotFound(err) {
			return nil
		}
		return err
	}
	defer l.Close()
	if c, err := load(e, id); err == nil && c.State.Running() {
		return nil
	}
	_, _ = s.Unmount(id, true)
	if err := s.DeleteContainer(id); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) && !errors.Is(err, cstorage.ErrNotAContainer) {
		return err
	}
	names, _ := os.ReadDir(namesDir(e))
	for _, n := range names {
		releaseName(e, n.Name(), id)
	}
	if err := releaseOrphanRuntime(e, id); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(containersDir(e), id))
}

// releaseOrphanRuntime frees what the runtime directory of a container
// without a record holds (its network namespace pin and addresses, port
// forwarder, /dev/shm mount) and removes the directory.
func releaseOrphanRuntime(e *engine.Engine, id string) error {
	c := &Container{e: e}
	c.ID = id
	c.releaseNetwork()
	c.releaseShm()
	if err := os.RemoveAll(c.RunDir()); err != nil {
		return fmt.Errorf("removing the runtime directory of %s: %w", short(id), err)
	}
	return nil
}

// strayMounts finds mounts under the store's and skiff's directories that
// nothing accounts for: not the storage driver's own directory, not a
// container's runtime directory (the checks above judge those) or a
// volume, not the root filesystem of a container in storage. A command
// killed while it had a layer mounted (build, commit, a copy) leaves
// such mounts. It reads this process's mount table: rootless, that of
// the user's namespace, where skiff's mounts live.
func strayMounts(e *engine.Engine, s *storage.Store, dirs map[string]bool) ([]Leftover, error) {
	ctrs, err := s.Containers()
	if err != nil {
		return nil, err
	}
	layers := map[string]bool{}
	for _, c := range ctrs {
		layers[c.LayerID] = true
	}
	graph, run, driver := filepath.Clean(s.GraphRoot()), filepath.Clean(s.RunRoot()), s.GraphDriverName()
	var out []Leftover
	seen := map[string]bool{}
	for _, top := range []string{graph, run} {
		mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(top))
		if err != nil {
			return nil, fmt.Errorf("reading the mount table: %w", err)
		}
		for _, m := range mounts {
			mp := filepath.Clean(m.Mountpoint)
			if seen[mp] || mp == top || mp == filepath.Join(graph, driver) || mp == filepath.Join(run, driver) ||
				pathutil.Within(mp, e.RunDir("containers")) || pathutil.Within(mp, e.StateDir("volumes")) {
				continue
			}
			seen[mp] = true
			layer := ""
			if rel, ok := strings.CutPrefix(mp, filepath.Join(graph, driver)+"/"); ok {
				layer, _, _ = strings.Cut(rel, "/")
				if layers[layer] {
					continue // a container's root filesystem
				}
			}
			out = append(out, Leftover{
				What: fmt.Sprintf("mount %s belongs to no container (a command killed while it had it mounted)", mp),
				fix: func() error {
					if layer != "" {
						_, _ = s.Unmount(layer, true)
					}
					if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
						return fmt.Errorf("unmounting %s: %w", mp, err)
					}
					return nil
				},
			})
		}
	}
	return out, nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func ignoreNotExist(err error) error {
	if err == nil || os.IsNotExist(err) || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
