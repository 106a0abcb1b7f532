package container

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Run creates and starts a container. Detached (a == nil) it returns once
// the process runs; attached it streams until the container exits and
// returns its exit code, after --rm removal when asked. A container that
// never ran (no such user, command not found) is removed: a failed run
// leaves nothing behind (issue #3 §5).
func Run(ctx context.Context, e *engine.Engine, o CreateOptions, a *AttachOptions) (*Container, int, error) {
	for fd := 3; fd < 3+o.PreserveFDs; fd++ {
		if !rootless.InheritedFD(fd) {
			return nil, 0, errdefs.Invalid("--preserve-fds %d: descriptor %d was not passed to skiff: open descriptors 3 to %d for it", o.PreserveFDs, fd, 2+o.PreserveFDs)
		}
	}
	c, err := Create(ctx, e, o)
	if err != nil {
		return nil, 0, err
	}
	for fd := 3; fd < 3+o.PreserveFDs; fd++ {
		c.preserved = append(c.preserved, os.NewFile(uintptr(fd), "preserved"))
	}
	code, err := c.startAttached(ctx, a)
	if err != nil && !errors.Is(err, ErrDetached) {
		// The monitor removes what it ran with --rm; a start that failed
		// before the monitor took over leaves the container to us.
		if fresh, lerr := load(e, c.ID); lerr == nil && (o.AutoRemove || fresh.State.StartCount == 0) {
			_ = Remove(e, c.ID, RemoveOptions{Force: true, Volumes: true})
		}
	}
	return c, code, err
}

// Start starts a created or stopped container; with a it attaches first
// and streams like Run.
func Start(ctx context.Context, e *engine.Engine, ref string, a *AttachOptions) (*Container, int, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return nil, 0, err
	}
	code, err := c.startAttached(ctx, a)
	return c, code, err
}

func (c *Container) startAttached(ctx context.Context, a *AttachOptions) (int, error) {
	if err := c.startInfra(); err != nil {
		return 0, err
	}
	if err := c.startRequired(ctx, map[string]bool{c.ID: true}); err != nil {
		return 0, err
	}
	if a == nil {
		return 0, c.start(nil, startByHand)
	}
	if c.passthrough() {
		// The container has the caller's streams: nothing to copy.
		a.Stdin, a.Stdout, a.Stderr = nil, nil, nil
	}
	// The caller records the exit and cleans up itself unless a restart
	// policy keeps the container going after this command returns.
	policy := c.HostConfig.RestartPolicy.Name
	conn, monitorEnd, err := clientPair(a, policy == "" || policy == "no")
	if err != nil {
		return 0, err
	}
	err = c.start(monitorEnd, startByHand)
	monitorEnd.Close()
	if err != nil {
		conn.Close()
		return 0, err
	}
	return c.stream(ctx, conn, a)
}

// startInfra starts the infra container of the container's pod when it
// does not run, as podman does: a pod's container cannot start without
// the namespaces it joins.
func (c *Container) startInfra() error {
	if c.Pod == "" || c.Infra {
		return nil
	}
	for _, ref := range c.Needs() {
		dep, err := Lookup(c.e, ref)
		if err != nil || !dep.Infra || dep.Pod != c.Pod || dep.State.Running() {
			continue
		}
		if err := dep.start(nil, startByHand); err != nil && !errors.Is(err, ErrAlreadyRunning) {
			return fmt.Errorf("starting the infra container of the pod: %w", err)
		}
	}
	return nil
}
