package container

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/events"
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

// A user stop (stop, kill, rm -f, and compose's stop and down, which call
// these) goes through signal with stop set: under the container's lock it
// marks the container stopped by the user, so that no restart policy
// starts it again until a start by hand, ends a pending restart at once,
// and signals the process that runs now. The restart policy's own start
// takes the same lock and gives up on a container marked so: whatever
// the monitor is doing (running the container, recording its exit,
// waiting out a back-off, starting it again), the user's stop wins.

// Stop sends the stop signal, waits up to the timeout, then kills, and
// returns once the exit is recorded. A container waiting to be restarted
// is stopped at once; one that is not running is left alone.
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
	if err := c.signal(sig, true); err != nil {
		if errors.Is(err, ErrNotRunning) {
			return nil
		}
		return err
	}
	defer c.event("stop")
	fault.Point("stop.signalled")
	if t == 0 || !c.waitProcess(ctx, t) {
		if err := c.signal(unix.SIGKILL, true); err != nil && !errors.Is(err, ErrNotRunning) {
			return err
		}
	}
	return ignoreRemoved(c.waitFor(ctx, stopped))
}

// Kill sends sig to the container's process. SIGKILL, the container's
// stop signal, or any signal when it has none of its own are a user stop
// (userStop); after SIGKILL, kill returns once the exit is recorded, as
// docker's does, so `kill x && rm x` works. A container waiting to be
// restarted only has its restart cancelled (or nothing, for a signal that
// is no stop).
func Kill(e *engine.Engine, ref string, sig unix.Signal) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if err := c.signal(sig, c.userStop(sig)); err != nil {
		if errors.Is(err, ErrNotRunning) {
			return errdefs.Conflict("cannot kill container %s: container %s is not running", ref, c.ID)
		}
		return err
	}
	if sig != unix.SIGKILL {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return ignoreRemoved(c.waitFor(ctx, stopped))
}

// userStop reports whether kill (or a signal attach forwards) with sig
// stops the container in the restart policy's eyes, by docker's rule:
// SIGKILL, the container's stop signal, or any signal when it has no
// stop signal of its own (--stop-signal, the image's STOPSIGNAL). Docker
// also marks the other signals HasBeenManuallyStopped, which keeps an
// unless-stopped container down at its next exit; skiff does not, so a
// reload signal (kill -s HUP) leaves every policy in force.
func (c *Container) userStop(sig unix.Signal) bool {
	return sig == unix.SIGKILL || c.Config.StopSignal == "" || sig == c.StopSignal()
}

// signal sends sig to the container's process as the state says it is
// under the container's lock; with stop it is a user stop (see above).
// A restarting container has no process: a stop cancels the restart
// (the container is exited then), another signal does nothing. c is
// refreshed; ErrNotRunning means the container was not running.
func (c *Container) signal(sig unix.Signal, stop bool) error {
	err := Locked(c.e, c.ID, func(fresh *Container) error {
		defer func() { *c = *fresh }()
		if !fresh.State.Running() {
			return ErrNotRunning
		}
		if stop {
			fresh.State.ManuallyStopped = true
		}
		if fresh.State.Status == StatusRestarting {
			if stop {
				fresh.cancelRestart()
			}
			return nil
		}
		return fresh.kill(sig, stop)
	})
	return err
}

// kill delivers sig to the container's first process; one already gone
// is no error (its exit is being recorded). The caller holds the lock.
func (c *Container) kill(sig unix.Signal, stop bool) error {
	if c.State.Pid == 0 || !proc.Alive(c.State.Pid, c.State.PidStart) {
		return nil
	}
	if err := unix.Kill(c.State.Pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("signalling container %s: %w", c.ShortID(), err)
	}
	c.event("kill", "signal", strconv.Itoa(int(sig)))
	if stop || sig == unix.SIGKILL {
		c.thawToStop()
	}
	return nil
}

// stopped is the condition stop, kill and rm wait for: nothing runs and
// no restart is pending.
func stopped(s *State) bool { return !s.Running() }

// ignoreRemoved treats a container removed while waiting (--rm) as
// stopped.
func ignoreRemoved(err error) error {
	if errdefs.IsNotFound(err) {
		return nil
	}
	return err
}

// waitProcess waits up to d for the container's process to end.
func (c *Container) waitProcess(ctx context.Context, d time.Duration) bool {
	return waitPid(ctx, c.State.Pid, c.State.PidStart, d)
}

// waitPid waits up to d for process pid, which started at start, to end.
func waitPid(ctx context.Context, pid int, start uint64, d time.Duration) bool {
	if pid == 0 {
		return true
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return !proc.Alive(pid, start)
	}
	defer unix.Close(fd)
	if !proc.Alive(pid, start) {
		return true // the pid was reused before we opened it
	}
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return false
		}
		ms := int(min(left, 200*time.Millisecond) / time.Millisecond)
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, max(ms, 1))
		if err == nil && n > 0 {
			return true
		}
	}
}

// waitFor waits until done holds for the container's recorded state,
// which it reads into c. It sleeps on the process whose end changes the
// state next (the container's, or during a restart back-off the one
// waiting it out), then polls briefly for the record. A container
// removed meanwhile ends the wait with a NotFound error.
func (c *Container) waitFor(ctx context.Context, done func(*State) bool) error {
	delay := time.Millisecond
	for {
		fresh, err := load(c.e, c.ID)
		if err != nil {
			return err
		}
		*c = *fresh
		if done(&c.State) {
			return nil
		}
		pid, start := c.State.Pid, c.State.PidStart
		if c.State.Status == StatusRestarting {
			pid, start = c.State.MonitorPid, c.State.MonitorStart
		}
		if pid != 0 && proc.Alive(pid, start) {
			waitPid(ctx, pid, start, time.Second)
			delay = time.Millisecond
		} else {
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			delay = min(2*delay, 50*time.Millisecond)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// Wait blocks until the container's process exits and returns its exit
// code, as docker's wait does: the next exit of a running or restarting
// container (one its restart policy follows with a new start included),
// at once for one that is not running. A container removed meanwhile
// (--rm, rm -f) reports the code its die event recorded.
func Wait(ctx context.Context, e *engine.Engine, ref string) (int, error) {
	begun := time.Now()
	c, err := Lookup(e, ref)
	if err != nil {
		return 0, err
	}
	last := c.State.FinishedAt
	err = c.waitFor(ctx, func(s *State) bool { return !s.Running() || !s.FinishedAt.Equal(last) })
	if errdefs.IsNotFound(err) {
		return c.diedWith(begun), nil
	}
	if err != nil {
		return 0, err
	}
	return c.State.ExitCode, nil
}

// diedWith is the exit code of the container's last die event since t,
// else the last one its state recorded.
func (c *Container) diedWith(t time.Time) int {
	code := c.State.ExitCode
	f := events.Filter{"container": {c.ID}, "event": {"die"}}
	_ = events.Read(context.Background(), c.e, events.ReadOptions{Since: t, Until: time.Now(), Filter: f}, func(ev *events.Event) error {
		if n, err := strconv.Atoi(ev.Actor.Attributes["exitCode"]); err == nil {
			code = n
		}
		return nil
	})
	return code
}

// Restart stops the container as Stop does and starts it again by hand
// (which clears the restart policy's count); a restarting container has
// its pending restart replaced. A --rm container is kept for the new
// start, as docker does.
func Restart(ctx context.Context, e *engine.Engine, ref string, o StopOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if c.State.Running() {
		err := Locked(e, c.ID, func(fresh *Container) error {
			fresh.State.ManualRestart = fresh.State.Status == StatusRunning || fresh.State.Status == StatusPaused
			return nil
		})
		if err != nil {
			return err
		}
		if err := Stop(ctx, e, c.ID, o); err != nil {
			return err
		}
	}
	if err := c.start(nil, startByHand); err != nil && !errors.Is(err, ErrAlreadyRunning) {
		return err
	}
	c.event("restart")
	return nil
}
