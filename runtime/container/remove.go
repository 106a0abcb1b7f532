package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// RemoveOptions are rm's flags.
type RemoveOptions struct {
	Force   bool // kill a running container first
	Volumes bool // remove its anonymous volumes
	// AfterExit is --rm's removal as the container exits: the networks it
	// leaves unused stay for the keeper's linger (netns.Linger), so that
	// `run --rm` after `run --rm` reuses them. rm tears them down at once.
	AfterExit bool
}

// Remove deletes a container: its process (with Force), mount, root
// filesystem layer, name, records and logs. Removing twice is harmless
// to the second caller only in that it reports "No such container".
func Remove(e *engine.Engine, ref string, o RemoveOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if c.State.Running() {
		if !o.Force {
			return errdefs.Conflict("cannot remove container %q: container is %s: stop the container before removing or force remove (-f)", "/"+c.Name, c.State.Status)
		}
		_ = c.signal(unix.SIGKILL, true)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c.waitProcess(ctx, 30*time.Second)
		_ = c.waitRecorded(ctx)
		cancel()
		if c.HostConfig.AutoRemove {
			if _, err := os.Stat(c.Dir()); os.IsNotExist(err) {
				return nil // --rm removed it as it exited
			}
		}
	}
	if err := c.destroy(!o.AfterExit); err != nil {
		if c.HostConfig.AutoRemove && errdefs.IsNotFound(err) {
			return nil // its own --rm removed it while we waited for its lock
		}
		return err
	}
	return c.removeVolumes(o.Volumes)
}

// destroy removes everything of a stopped container, under its lock;
// with sweep also the networks it leaves unused.
func (c *Container) destroy(sweep bool) error {
	l, err := lock(c.e, c.ID)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return errdefs.NotFound("No such container: %s", c.ID)
		}
		return err
	}
	defer l.Close()
	fresh, err := load(c.e, c.ID)
	if err != nil {
		return err
	}
	if fresh.State.Running() {
		return errdefs.Conflict("cannot remove container %q: it was started again meanwhile", "/"+c.Name)
	}
	if fresh.State.Pid != 0 && proc.Alive(fresh.State.Pid, fresh.State.PidStart) {
		// Left behind by a monitor that died (kill -9): end it first.
		_ = unix.Kill(fresh.State.Pid, unix.SIGKILL)
		fresh.waitProcess(context.Background(), 10*time.Second)
	}
	fresh.releaseRuntime()
	s, err := c.e.Store()
	if err != nil {
		return err
	}
	if err := s.DeleteContainer(c.ID); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) {
		return fmt.Errorf("removing the root filesystem of %s: %w", c.ShortID(), err)
	}
	releaseName(c.e, c.Name, c.ID)
	if sweep {
		fresh.sweepNetworks()
	}
	if err := os.RemoveAll(c.Dir()); err != nil {
		return err
	}
	fresh.event("destroy")
	return nil
}
