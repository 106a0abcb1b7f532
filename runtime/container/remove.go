package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"sync/atomic"
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
	c, err := lookupForRemoval(e, ref)
	if err != nil {
		return err
	}
	return c.remove(o)
}

// remove is Remove of a container already looked up.
func (c *Container) remove(o RemoveOptions) error {
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
		err := Stop(context.Background(), c.e, c.ID, StopOptions{Timeout: o.ForceStop.Timeout})
		if err != nil && !errdefs.IsNotFound(err) {
			return err
		}
	}
	for tries := 1; ; tries++ {
		// A container found stopped needs no kill: its record is read
		// again under its lock by destroy, which refuses one started
		// meanwhile, and the next try kills it (one read of the record
		// fewer per container of an rm -f, issue #18).
		if o.Force && (c.State.Running() || tries > 1) {
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

// lookupForRemoval is Lookup without the container's spec, which no part
// of a removal reads (loadRecord).
func lookupForRemoval(e *engine.Engine, ref string) (*Container, error) {
	return lookupRepaired(e, ref, loadRecord)
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
	fresh, err := loadRecord(c.e, c.ID)
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

// RemoveEach removes the containers refs name, each as Remove does, and
// calls done for each ref in their order (from the caller's goroutine)
// with its outcome; with skipMissing a ref that names no container is
// skipped (done gets skipped true). Distinct containers that neither
// require one another (--requires) are removed up to removeWorkers at a
// time, as docker's CLI removes them, so that one removal's waits (its
// process's end, go.podman.io/storage's fsyncs, the deletion of its
// files) overlap another's work; each still takes its own lock and the
// store's. Refs naming one container twice, or containers with
// requirements, are removed one after another in order, as before, so
// that the outcome does not depend on which removal comes first.
func RemoveEach(e *engine.Engine, refs []string, o RemoveOptions, skipMissing bool, done func(i int, err error, skipped bool)) {
	found := make([]*Container, len(refs))
	errs := make([]error, len(refs))
	parallel(len(refs), func(i int) { found[i], errs[i] = lookupForRemoval(e, refs[i]) })
	if !independent(found) {
		for i, ref := range refs {
			if skipMissing {
				if _, err := lookupForRemoval(e, ref); errdefs.IsNotFound(err) {
					done(i, nil, true)
					continue
				}
			}
			done(i, Remove(e, ref, o), false)
		}
		return
	}
	finished := make([]chan struct{}, len(refs))
	for i := range finished {
		finished[i] = make(chan struct{})
	}
	go parallel(len(refs), func(i int) {
		defer close(finished[i])
		if errs[i] == nil {
			errs[i] = found[i].remove(o)
		}
	})
	for i := range refs {
		<-finished[i]
		if skipMissing && found[i] == nil && errdefs.IsNotFound(errs[i]) {
			done(i, nil, true)
			continue
		}
		done(i, errs[i], false)
	}
}

// removeWorkers bounds RemoveEach's concurrent removals: beyond two per
// CPU they only queue on the store's lock.
func removeWorkers() int { return max(2, min(8, 2*goruntime.GOMAXPROCS(0))) }

// parallel runs fn(0..n-1) on up to removeWorkers goroutines and returns
// when all have returned.
func parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(removeWorkers(), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// independent reports whether the containers found (nil: not found) can
// be removed in any order: each named once, none requiring another or
// required by one.
func independent(found []*Container) bool {
	seen := map[string]bool{}
	for _, c := range found {
		if c == nil {
			continue
		}
		if seen[c.ID] || len(c.Extra.Requires) > 0 {
			return false
		}
		seen[c.ID] = true
		if entries, err := os.ReadDir(filepath.Join(c.Dir(), requiredByDir)); err != nil && !os.IsNotExist(err) || len(entries) > 0 {
			return false
		}
	}
	return true
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
