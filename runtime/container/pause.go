package container

import (
	"fmt"
	"os"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/cgroups"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// releaseFreezer removes the cgroup of a stopped container.
func (c *Container) releaseFreezer() {
	if f, err := cgroups.FindFreezer(); err == nil {
		if _, err := os.Stat(f.Path(c.ID)); err == nil {
			cgroups.Remove(f.Path(c.ID))
		}
	}
}

// A container starts outside any cgroup of skiff's: on cgroup v1 joining
// one costs a start ~14 ms. Pause makes the container's freezer cgroup on
// first use and gathers the processes of its PID namespace into it.

// freezerFor returns the container's freezer cgroup, made if needed, or
// why skiff cannot freeze (verb is what the user asked for).
func (c *Container) freezerFor(verb string) (string, error) {
	if dir, ok := c.State.Cgroup[""]; ok {
		return dir, nil // v2: the container's own cgroup, limits and all
	}
	f, err := cgroups.FindFreezer()
	if err != nil {
		return "", errdefs.Invalid("cannot %s container %s: skiff needs a cgroup freezer it can write to, and %v", verb, c.Name, err)
	}
	return f.Create(c.ID)
}

// existingFreezer is the container's freezer cgroup if pause made one.
func (c *Container) existingFreezer() (string, bool) {
	if dir, ok := c.State.Cgroup[""]; ok {
		return dir, true
	}
	f, err := cgroups.FindFreezer()
	if err != nil {
		return "", false
	}
	p := f.Path(c.ID)
	_, err = os.Stat(p)
	return p, err == nil
}

// freezeAll gathers the container's processes into cgroup p, freezes it
// with freeze, then gathers the processes forked meanwhile (they freeze
// as they join) until none is left outside.
func (c *Container) freezeAll(p string, freeze func(string) error) error {
	if _, err := c.gather(p); err != nil {
		return err
	}
	if err := freeze(p); err != nil {
		return err
	}
	for range 100 {
		moved, err := c.gather(p)
		if err != nil || moved == 0 {
			return err
		}
	}
	return fmt.Errorf("container %s starts processes faster than skiff can freeze them", c.ShortID())
}

// gather moves the container's processes that are not in cgroup p into
// it, and counts them (those that ended meanwhile do not count).
func (c *Container) gather(p string) (int, error) {
	in, err := cgroups.Procs(p)
	if err != nil {
		return 0, err
	}
	pids, err := c.processes()
	if err != nil {
		return 0, fmt.Errorf("finding the processes of %s: %w", c.ShortID(), err)
	}
	moved := 0
	for pid := range pids {
		// A zombie cannot join (and a frozen parent does not reap it).
		if !in[pid] && proc.Alive(pid, 0) && cgroups.Add(p, pid) == nil {
			moved++
		}
	}
	return moved, nil
}

// Pause freezes every process of a running container.
func Pause(e *engine.Engine, ref string) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	return Locked(e, c.ID, func(c *Container) error {
		switch c.State.Status {
		case StatusPaused:
			return errdefs.Conflict("Container %s is already paused", c.ID)
		case StatusRunning:
		case StatusRestarting:
			return errRestarting(c)
		default:
			return errdefs.Conflict("Container %s is not running", c.ID)
		}
		p, err := c.freezerFor("pause")
		if err != nil {
			return err
		}
		if err := c.freezeAll(p, cgroups.Freeze); err != nil {
			_ = cgroups.Thaw(p)
			return err
		}
		c.State.Status = StatusPaused
		c.event("pause")
		return nil
	})
}

// Unpause thaws a paused container.
func Unpause(e *engine.Engine, ref string) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	return Locked(e, c.ID, func(c *Container) error {
		if c.State.Status != StatusPaused {
			return errdefs.Conflict("Container %s is not paused", c.ID)
		}
		p, ok := c.existingFreezer()
		if !ok {
			return errdefs.Conflict("Container %s is not paused: its freezer cgroup is gone", c.ID)
		}
		if err := cgroups.Thaw(p); err != nil {
			return err
		}
		c.State.Status = StatusRunning
		c.event("unpause")
		return nil
	})
}

// thawToStop lets a paused container act on a stop (SIGKILL included):
// frozen processes do not act on signals until thawed. Docker unpauses
// too. The caller holds the lock; the container runs again.
func (c *Container) thawToStop() {
	if c.State.Status != StatusPaused {
		return
	}
	if p, ok := c.existingFreezer(); ok && cgroups.Thaw(p) == nil {
		c.State.Status = StatusRunning
	}
}

// pauseForCommit freezes a running container during commit and returns
// how to thaw it. Without a freezer it goes on unpaused unless required.
func (c *Container) pauseForCommit(required bool) (func(), error) {
	p, err := c.freezerFor("pause")
	if err != nil {
		if required {
			return nil, err
		}
		return func() {}, nil
	}
	thaw := func() {}
	err = c.freezeAll(p, func(p string) (err error) {
		thaw, err = cgroups.FreezeGuarded(p)
		return err
	})
	if err != nil {
		thaw()
		return nil, err
	}
	return thaw, nil
}
