package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
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
		if n, err := s.Mounted(id); (err == nil && n > 0) || c.State.Rootfs != "" {
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
	os.RemoveAll(e.RunDir("containers", id))
	return os.RemoveAll(filepath.Join(containersDir(e), id))
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
