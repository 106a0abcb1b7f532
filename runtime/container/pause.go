package container

import (
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/cgroups"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// prepareFreezer gives the container a freezer cgroup, which its init
// joins before the process starts, where skiff can freeze (as root);
// elsewhere the container runs without and pause refuses.
func (c *Container) prepareFreezer(s *specs.Spec) error {
	f, err := cgroups.FindFreezer()
	if err != nil {
		return nil
	}
	p, err := f.Create(c.ID)
	if err != nil {
		logrus.Debugf("%v", err)
		return nil
	}
	s.Linux.CgroupsPath = p
	return nil
}

// releaseFreezer removes the cgroup of a stopped container.
func (c *Container) releaseFreezer() {
	if f, err := cgroups.FindFreezer(); err == nil {
		if _, err := os.Stat(f.Path(c.ID)); err == nil {
			cgroups.Remove(f.Path(c.ID))
		}
	}
}

// joinFreezer puts an exec process, still waiting for its configuration,
// into the container's cgroup, so pause freezes it too.
func (c *Container) joinFreezer(pid int) {
	f, err := cgroups.FindFreezer()
	if err != nil {
		return
	}
	p := f.Path(c.ID)
	if _, err := os.Stat(p); err == nil {
		_ = os.WriteFile(p+"/cgroup.procs", []byte(strconv.Itoa(pid)), 0)
	}
}

// freezerPath is the cgroup of a running container that has one.
func (c *Container) freezerPath(verb string) (string, error) {
	f, err := cgroups.FindFreezer()
	if err != nil {
		return "", errdefs.Invalid("cannot %s container %s: skiff needs a cgroup freezer it can write to, and %v", verb, c.Name, err)
	}
	p := f.Path(c.ID)
	if _, err := os.Stat(p); err != nil {
		return "", errdefs.Invalid("cannot %s container %s: it was started without a freezer cgroup; restart it first", verb, c.Name)
	}
	return p, nil
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
		default:
			return errdefs.Conflict("Container %s is not running", c.ID)
		}
		p, err := c.freezerPath("pause")
		if err != nil {
			return err
		}
		if err := cgroups.Freeze(p); err != nil {
			_ = cgroups.Thaw(p)
			return err
		}
		c.State.Status = StatusPaused
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
		p, err := c.freezerPath("unpause")
		if err != nil {
			return err
		}
		if err := cgroups.Thaw(p); err != nil {
			return err
		}
		c.State.Status = StatusRunning
		return nil
	})
}

// thawAfterKill lets a paused container die: frozen processes do not
// act on SIGKILL until thawed (docker does the same).
func (c *Container) thawAfterKill(sig unix.Signal) {
	if sig != unix.SIGKILL || c.State.Status != StatusPaused {
		return
	}
	if p, err := c.freezerPath("unpause"); err == nil {
		_ = cgroups.Thaw(p)
	}
}

// pauseForCommit freezes a running container during commit and returns
// how to thaw it. Without a freezer it goes on unpaused unless required.
func (c *Container) pauseForCommit(required bool) (func(), error) {
	p, err := c.freezerPath("pause")
	if err != nil {
		if required {
			return nil, err
		}
		return func() {}, nil
	}
	return cgroups.FreezeGuarded(p)
}
