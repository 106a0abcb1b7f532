package pod

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Each verb runs runtime/container's verb of the same name on the pod's
// containers: the infra first on the way up, last on the way down. A
// container that fails is named in the error; the others are still done.

// each runs fn on the containers, in parallel, and joins the failures.
func each(cs []*container.Container, fn func(c *container.Container) error) error {
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(c); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("%s: %v", c.Name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errdefs.New(errdefs.ErrConflict, "%s", strings.Join(errs, "; "))
	}
	return nil
}

// split is the pod's infra (or nil) and its other containers.
func (p *Pod) split() (*container.Container, []*container.Container, error) {
	cs, err := p.Containers()
	if err != nil {
		return nil, nil, err
	}
	if len(cs) > 0 && cs[0].Infra {
		return cs[0], cs[1:], nil
	}
	return nil, cs, nil
}

// Start starts the pod: its infra, then its containers (in parallel).
// Running containers are left as they are.
func Start(ctx context.Context, e *engine.Engine, ref string) (*Pod, error) {
	p, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	infra, members, err := p.split()
	if err != nil {
		return nil, err
	}
	start := func(c *container.Container) error {
		if c.State.Running() {
			return nil
		}
		_, _, err := container.Start(ctx, e, c.ID, nil)
		if errors.Is(err, container.ErrAlreadyRunning) {
			return nil
		}
		return err
	}
	if infra != nil {
		if err := start(infra); err != nil {
			return p, fmt.Errorf("starting the infra container of pod %s: %w", p.Name, err)
		}
	}
	if err := each(members, start); err != nil {
		return p, fmt.Errorf("starting pod %s: %w", p.Name, err)
	}
	return p, nil
}

// Stop stops the pod's containers (o.Timeout as stop's), the infra last.
func Stop(ctx context.Context, e *engine.Engine, ref string, o container.StopOptions) (*Pod, error) {
	p, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	return p, p.stop(ctx, o)
}

func (p *Pod) stop(ctx context.Context, o container.StopOptions) error {
	infra, members, err := p.split()
	if err != nil {
		return err
	}
	stop := func(c *container.Container) error {
		err := container.Stop(ctx, p.e, c.ID, o)
		if errdefs.IsNotFound(err) {
			return nil // an --rm container went with its exit
		}
		return err
	}
	if err := each(members, stop); err != nil {
		return fmt.Errorf("stopping pod %s: %w", p.Name, err)
	}
	if infra != nil {
		if err := stop(infra); err != nil {
			return fmt.Errorf("stopping the infra container of pod %s: %w", p.Name, err)
		}
	}
	return nil
}

// Restart stops the pod, then starts it.
func Restart(ctx context.Context, e *engine.Engine, ref string, o container.StopOptions) (*Pod, error) {
	p, err := Stop(ctx, e, ref, o)
	if err != nil {
		return p, err
	}
	return Start(ctx, e, p.ID)
}

// Kill sends sig to the pod's running containers, the infra last.
func Kill(e *engine.Engine, ref string, sig unix.Signal) (*Pod, error) {
	p, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	infra, members, err := p.split()
	if err != nil {
		return p, err
	}
	kill := func(c *container.Container) error {
		if !c.State.Running() {
			return nil
		}
		return container.Kill(e, c.ID, sig)
	}
	if err := each(members, kill); err != nil {
		return p, fmt.Errorf("killing pod %s: %w", p.Name, err)
	}
	if infra != nil {
		if err := kill(infra); err != nil {
			return p, fmt.Errorf("killing the infra container of pod %s: %w", p.Name, err)
		}
	}
	return p, nil
}

// Pause freezes the pod's running containers; Unpause thaws them.
func Pause(e *engine.Engine, ref string) (*Pod, error) {
	return freeze(e, ref, container.Pause, container.StatusRunning)
}

// Unpause thaws the pod's paused containers.
func Unpause(e *engine.Engine, ref string) (*Pod, error) {
	return freeze(e, ref, container.Unpause, container.StatusPaused)
}

func freeze(e *engine.Engine, ref string, verb func(*engine.Engine, string) error, from string) (*Pod, error) {
	p, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	cs, err := p.Containers()
	if err != nil {
		return p, err
	}
	var todo []*container.Container
	for _, c := range cs {
		if c.State.Status == from {
			todo = append(todo, c)
		}
	}
	if len(todo) == 0 {
		return p, errdefs.Conflict("pod %s has no %s containers", p.Name, from)
	}
	// the first alone: what keeps one from freezing (no freezer skiff
	// can write to) keeps them all, and is said once
	if err := verb(e, todo[0].ID); err != nil {
		return p, errdefs.New(errdefs.ErrConflict, "%v", err)
	}
	return p, each(todo[1:], func(c *container.Container) error { return verb(e, c.ID) })
}

// RemoveOptions are pod rm's flags.
type RemoveOptions struct {
	// Force stops running containers first.
	Force bool
	// Timeout is the stop's, with Force.
	Timeout *container.StopOptions
	// Volumes removes the containers' anonymous volumes.
	Volumes bool
}

// Remove removes the pod's containers, its infra and the pod. A pod
// with running containers needs Force.
func Remove(ctx context.Context, e *engine.Engine, ref string, o RemoveOptions) error {
	p, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	infra, members, err := p.split()
	if err != nil {
		return err
	}
	if !o.Force {
		for _, c := range members {
			if c.State.Running() {
				return errdefs.Conflict("pod %s has running containers (%s): stop the pod first (pod stop %s) or force remove (-f)", p.Name, c.Name, p.Name)
			}
		}
	} else if o.Timeout != nil {
		_ = p.stop(ctx, *o.Timeout)
	}
	rm := func(c *container.Container) error {
		err := container.Remove(e, c.ID, container.RemoveOptions{Force: true, Volumes: o.Volumes, Infra: true})
		if errdefs.IsNotFound(err) {
			return nil
		}
		return err
	}
	if err := each(members, rm); err != nil {
		return fmt.Errorf("removing pod %s: %w", p.Name, err)
	}
	if infra != nil {
		if err := rm(infra); err != nil {
			return fmt.Errorf("removing the infra container of pod %s: %w", p.Name, err)
		}
	}
	p.forget()
	return nil
}

// PruneReport names the pods prune removed.
type PruneReport struct{ Removed []string }

// Prune removes every pod none of whose containers runs (the infra
// included).
func Prune(ctx context.Context, e *engine.Engine) (*PruneReport, error) {
	pods, err := List(e)
	if err != nil {
		return nil, err
	}
	rep := &PruneReport{}
	for _, p := range pods {
		cs, err := p.Containers()
		if err != nil {
			return rep, err
		}
		running := false
		for _, c := range cs {
			running = running || c.State.Running()
		}
		if running {
			continue
		}
		if err := Remove(ctx, e, p.ID, RemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
			return rep, err
		}
		rep.Removed = append(rep.Removed, p.ID)
	}
	return rep, nil
}
