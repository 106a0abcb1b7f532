package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
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
	// Infra allows removing a pod's infra container: only the pod's own
	// removal does (runtime/pod).
	Infra bool
	// ForceStop is how Force ends a running container.
	ForceStop ForceStop
}

// ForceStop is how a forced removal ends a running container: with Stop
// as stop does, its stop signal then SIGKILL after Timeout (nil: its
// --stop-timeout, else 10 s), podman's rm -f; without, SIGKILL at once,
// docker's rm -f.
type ForceStop struct {
	Stop    bool
	Timeout *time.Duration
}

// Remove deletes a container: its process (with Force), mount, root
// filesystem layer, name, records and logs. Removing twice is harmless
// to the second caller only in that it reports "No such container".
// With Force it succeeds whatever the container is doing: its kill is a
// user stop (signal), so neither the restart policy nor a pending restart
// brings it back; only a start by hand in between can, and then the
// container is killed again.
func Remove(e *engine.Engine, ref string, o RemoveOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if c.Infra && !o.Infra {
		return errdefs.Conflict("container %s is the infra container of pod %s and cannot be removed without removing the pod: use pod rm", c.Name, c.Pod[:12])
	}
	if dep, err := c.requiredBy(); err != nil || dep != "" {
		if err == nil {
			err = errdefs.Conflict("cannot remove container %q: container %s requires it (--requires): remove that one first", "/"+c.Name, dep)
		}
		return err
	}
	if c.State.Running() && !o.Force {
		return errdefs.Conflict("cannot remove container %q: container is %s: stop the container before removing or force remove (-f)", "/"+c.Name, c.State.Status)
	}
	if o.Force && o.ForceStop.Stop && c.State.Running() {
		err := Stop(context.Background(), e, c.ID, StopOptions{Timeout: o.ForceStop.Timeout})
		if err != nil && !errdefs.IsNotFound(err) {
			return err
		}
	}
	for tries := 1; ; tries++ {
		if o.Force {
			if err := c.killForRemoval(); err != nil {
				return err
			}
		}
		err := c.destroy(!o.AfterExit)
		switch {
		case errors.Is(err, errdefs.ErrConflict) && o.Force && tries < 5: // started again meanwhile
			continue
		case err != nil && c.HostConfig.AutoRemove && errdefs.IsNotFound(err):
			return nil // its own --rm removed it as it exited
		case err != nil:
			return err
		}
		return c.removeVolumes(o.Volumes)
	}
}

// killForRemoval is rm -f's user stop: SIGKILL (or the end of a pending
// restart), then the exit recorded.
func (c *Container) killForRemoval() error {
	if err := c.signal(unix.SIGKILL, true); err != nil {
		if errors.Is(err, ErrNotRunning) {
			return nil
		}
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := ignoreRemoved(c.waitFor(ctx, stopped))
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("cannot remove container %q: its process did not exit within 30 seconds of SIGKILL", "/"+c.Name)
	}
	return err
}

// destroy removes everything of a stopped container, under its lock;
// with sweep also the networks it leaves unused.
func (c *Container) destroy(sweep bool) error {
	l, err := lock(c.e, c.ID)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return errdefs.NoSuchContainer(c.ID)
		}
		return err
	}
	defer l.Close()
	fresh, err := load(c.e, c.ID)
	if err != nil {
		return err
	}
	if fresh.State.Running() {
		return errdefs.Conflict("cannot remove container %q: it was started again meanwhile: stop it first or force remove (-f)", "/"+c.Name)
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
	// From here the container is gone for every reader: killed now, rm
	// leaves a directory without a record, which its name's next claimant
	// and system check --repair clear.
	if err := os.Rename(filepath.Join(c.Dir(), "config.json"), filepath.Join(c.Dir(), "config.json.removing")); err != nil && !os.IsNotExist(err) {
		return err
	}
	// Unknown or "not a container": another remover (the monitor of a --rm
	// container) got there first, which is the outcome wanted.
	if err := s.DeleteContainer(c.ID); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) && !errors.Is(err, cstorage.ErrNotAContainer) {
		return fmt.Errorf("removing the root filesystem of %s: %w", c.ShortID(), err)
	}
	fault.Point("rm.rootfs")
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

// RemoveAll force-removes the containers ids (a volume's or a network's
// users, for podman's volume rm -f and network rm -f), running ones
// ended as stop says. A container already gone is no error.
func RemoveAll(e *engine.Engine, ids []string, stop ForceStop) error {
	for _, id := range ids {
		err := Remove(e, id, RemoveOptions{Force: true, ForceStop: stop})
		if err != nil && !errdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}
