package container

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// ErrNotRunning is returned by Kill for a container that is not running.
var ErrNotRunning = errors.New("container is not running")

// StopSignal is the container's stop signal: --stop-signal, the image's
// STOPSIGNAL, else SIGTERM.
func (c *Container) StopSignal() unix.Signal {
	if c.Config.StopSignal != "" {
		if s, err := spec.ParseSignal(c.Config.StopSignal); err == nil {
			return s
		}
	}
	return unix.SIGTERM
}

// StopTimeout is --stop-timeout, else docker's 10 seconds.
func (c *Container) StopTimeout() time.Duration {
	if c.Config.StopTimeout != nil {
		return time.Duration(*c.Config.StopTimeout) * time.Second
	}
	return spec.DefaultStopTimeout * time.Second
}

// StopOptions are stop's flags.
type StopOptions struct {
	Timeout *time.Duration // nil: the container's own
	Signal  unix.Signal    // 0: the container's stop signal
}

// Stop sends the stop signal, waits up to the timeout, then kills, and
// returns once the exit is recorded. A container that is not running is
// left alone.
func Stop(ctx context.Context, e *engine.Engine, ref string, o StopOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if !c.State.Running() {
		return nil
	}
	t := c.StopTimeout()
	if o.Timeout != nil {
		t = *o.Timeout
	}
	sig := c.StopSignal()
	if o.Signal != 0 {
		sig = o.Signal
	}
	if t < 0 {
		t = 365 * 24 * time.Hour // docker: -1 waits for ever
	}
	if err := c.signal(sig, true); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	defer c.event("stop")
	if t > 0 && c.waitProcess(ctx, t) {
		return c.waitRecorded(ctx)
	}
	if err := c.signal(unix.SIGKILL, true); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	c.waitProcess(ctx, 30*time.Second)
	return c.waitRecorded(ctx)
}

// Kill sends sig to the container's process.
func Kill(e *engine.Engine, ref string, sig unix.Signal) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if !c.State.Running() || c.State.Status == StatusRestarting {
		return errdefs.Conflict("cannot kill container %s: container %s is not running", ref, c.ID)
	}
	if err := c.signal(sig, true); err != nil || sig != unix.SIGKILL {
		return err
	}
	// As docker's: after SIGKILL the container is stopped when kill
	// returns, so `kill x && rm x` works.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.waitProcess(ctx, 10*time.Second)
	return c.waitRecorded(ctx)
}

// signal delivers sig to the container's first process, marking the
// container as stopped by the user when asked.
func (c *Container) signal(sig unix.Signal, manual bool) error {
	if manual {
		_ = Locked(c.e, c.ID, func(fresh *Container) error {
			fresh.State.ManuallyStopped = true
			return nil
		})
	}
	if c.State.Pid == 0 || !proc.Alive(c.State.Pid, c.State.PidStart) {
		return ErrNotRunning
	}
	if err := unix.Kill(c.State.Pid, sig); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return ErrNotRunning
		}
		return fmt.Errorf("signalling container %s: %w", c.ShortID(), err)
	}
	if manual {
		c.event("kill", "signal", strconv.Itoa(int(sig)))
	}
	c.thawAfterKill(sig)
	return nil
}

// waitProcess waits up to d for the container's process to end.
func (c *Container) waitProcess(ctx context.Context, d time.Duration) bool {
	if c.State.Pid == 0 {
		return true
	}
	fd, err := unix.PidfdOpen(c.State.Pid, 0)
	if err != nil {
		return !proc.Alive(c.State.Pid, c.State.PidStart)
	}
	defer unix.Close(fd)
	if !proc.Alive(c.State.Pid, c.State.PidStart) {
		return true // the pid was reused before we opened it
	}
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return false
		}
		ms := int(left / time.Millisecond)
		if ms > 200 {
			ms = 200
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, ms)
		if err == nil && n > 0 {
			return true
		}
	}
}

// waitRecorded waits until the monitor has recorded the exit.
func (c *Container) waitRecorded(ctx context.Context) error {
	for delay := time.Millisecond; ; {
		fresh, err := load(c.e, c.ID)
		if err != nil {
			if errors.Is(err, errdefs.ErrNotFound) {
				return nil // removed (--rm)
			}
			return err
		}
		if !fresh.State.Running() || fresh.State.Status == StatusRestarting {
			*c = *fresh
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// Wait blocks until the container is not running and returns its exit
// code. With removed, a container that disappears (--rm) reports the last
// code seen, as docker's wait does.
func Wait(ctx context.Context, e *engine.Engine, ref string) (int, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return 0, err
	}
	for c.State.Running() {
		c.waitProcess(ctx, time.Second)
		if err := c.waitRecorded(ctx); err != nil {
			return 0, err
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	return c.State.ExitCode, nil
}
