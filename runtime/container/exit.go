package container

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/attach"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// CleanupRole is the value of _SKIFF_ROLE that makes main call
// CleanupMain: the monitor execs it in place when the container exited.
const CleanupRole = "cleanup"

// CleanupMain records a container's exit and cleans up (--rm included),
// tells the attach clients the monitor handed over how the container
// ended, then, when the restart policy says so, waits out the back-off
// and starts the container again. The monitor passes the facts in the
// environment: _SKIFF_RUNDIR, _SKIFF_EXIT_CODE, _SKIFF_FINISHED (unix
// nanoseconds), _SKIFF_ATTACH_FDS. It runs in the monitor's process, so
// during the back-off State.MonitorPid names it: a user stop ends it there
// (cancelRestart).
func CleanupMain() int {
	code, _ := strconv.Atoi(os.Getenv("_SKIFF_EXIT_CODE"))
	finished := time.Now().UTC()
	if ns, err := strconv.ParseInt(os.Getenv("_SKIFF_FINISHED"), 10, 64); err == nil {
		finished = time.Unix(0, ns).UTC()
	}
	var clients []*os.File
	for _, f := range strings.Split(os.Getenv("_SKIFF_ATTACH_FDS"), ",") {
		if fd, err := strconv.Atoi(f); err == nil {
			clients = append(clients, os.NewFile(uintptr(fd), "attach"))
		}
	}
	tell := func() {
		for _, c := range clients {
			_ = attach.WriteJSON(c, attach.KindExit, attach.ExitInfo{Code: code})
			c.Close()
		}
	}
	e, id, err := monitorRoleEngine()
	if err != nil {
		tell()
		return 125
	}
	defer e.Close()
	outcome, delay := recordExit(e, id, os.Getpid(), code, finished, true)
	tell()
	if outcome == exitRestarts {
		time.Sleep(delay)
		restartAfterExit(e, id)
	}
	return 0
}

// monitorRoleEngine is the engine and container ID of a role the monitor
// starts (cleanup, health): cleanup.json in _SKIFF_RUNDIR says them.
func monitorRoleEngine() (*engine.Engine, string, error) {
	var cfg cleanupConfig
	if err := readJSON(filepath.Join(os.Getenv("_SKIFF_RUNDIR"), cleanupFile), &cfg); err != nil {
		return nil, "", err
	}
	if err := os.Chdir("/"); err != nil {
		return nil, "", err
	}
	return engine.New(cfg.Engine), cfg.ID, nil
}

// exitOutcome is what recordExit did with an exit.
type exitOutcome int

const (
	exitDone     exitOutcome = iota // recorded and cleaned up (or recorded before, or the container is gone)
	exitRestarts                    // recorded: the restart policy starts the container again after the back-off
	exitDeclined                    // not recorded: a restart is due and the caller cannot wait it out
)

// recordExit writes the exit of the run that monitor monitorPid watched
// into the state and applies --rm or the restart policy; it returns the
// back-off before a restart. An exit recorded before (by the CLI the
// monitor handed it to, whose answer came too late) is left alone. A
// caller that cannot wait out a back-off (mayRestart false: a CLI that
// must return) declines an exit the policy restarts, which the monitor's
// cleanup role then takes.
func recordExit(e *engine.Engine, id string, monitorPid, code int, finished time.Time, mayRestart bool) (exitOutcome, time.Duration) {
	outcome, autoRemove := exitDone, false
	var delay time.Duration
	_ = Locked(e, id, func(c *Container) error {
		if (c.State.Status != StatusRunning && c.State.Status != StatusPaused) || c.State.MonitorPid != monitorPid {
			return errUnchanged
		}
		restart := c.shouldRestart(code)
		if restart && !mayRestart {
			outcome = exitDeclined
			return errUnchanged
		}
		c.noteOOM() // the oom event comes before die, as docker's
		c.event("die", "exitCode", strconv.Itoa(code))
		c.State.ExitCode, c.State.Error = code, ""
		c.State.Pid, c.State.PidStart = 0, 0
		c.State.FinishedAt = finished
		autoRemove = c.HostConfig.AutoRemove && !c.State.ManualRestart
		c.State.ManualRestart = false
		if restart {
			outcome = exitRestarts
			c.State.Status = StatusRestarting
			c.State.RestartCount++
			c.State.Backoff = c.nextBackoff(finished)
			delay = c.State.Backoff
			return nil // MonitorPid stays: the cleanup role waits out the back-off in that process
		}
		c.State.Status = StatusExited
		c.State.MonitorPid, c.State.MonitorStart = 0, 0
		c.releaseRuntime()
		return nil
	})
	if autoRemove {
		_ = Remove(e, id, RemoveOptions{Force: true, Volumes: true, AfterExit: true})
	}
	return outcome, delay
}

// restartAfterExit starts the container again after the back-off, unless
// a user stop, a start by hand or a removal came first: start checks,
// under the container's lock, that the restart is still this process's
// to make.
func restartAfterExit(e *engine.Engine, id string) {
	c, err := load(e, id)
	if err != nil {
		return
	}
	_ = c.start(nil, startByPolicy)
}

// cancelRestart ends a restart back-off (the caller holds the lock): the
// container is exited, with the code that made it restart, and the
// process waiting out the back-off goes. It can be killed: while the
// state says restarting, that process holds no lock and has told its
// clients the exit; it only sleeps, or waits for this lock.
func (c *Container) cancelRestart() {
	pid, start := c.State.MonitorPid, c.State.MonitorStart
	c.State.Status = StatusExited
	c.State.MonitorPid, c.State.MonitorStart = 0, 0
	c.releaseRuntime()
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		if proc.Alive(pid, start) {
			_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
		}
		unix.Close(fd)
	}
}

// nextBackoff is docker's restart back-off: 100ms, doubled for each
// restart in a row up to a minute, back to 100ms after a run of ten
// seconds or more.
func (c *Container) nextBackoff(finished time.Time) time.Duration {
	d := 2 * c.State.Backoff
	if d == 0 || finished.Sub(c.State.StartedAt) >= 10*time.Second {
		d = 100 * time.Millisecond
	}
	return min(d, time.Minute)
}

// shouldRestart applies the restart policy to an exit, as docker's restart
// manager does: a container the user stopped is not restarted, whatever
// the policy; always and unless-stopped restart after any exit,
// on-failure[:N] after a non-zero one while retries are left.
func (c *Container) shouldRestart(code int) bool {
	if c.State.ManuallyStopped {
		return false
	}
	if c.State.HealthRestart {
		return true
	}
	p := c.HostConfig.RestartPolicy
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return code != 0 && (p.MaximumRetryCount == 0 || c.State.RestartCount < p.MaximumRetryCount)
	}
	return false
}

// ParseRestartPolicy parses --restart: no, always, unless-stopped,
// on-failure[:N].
func ParseRestartPolicy(s string) (RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	switch name {
	case "", "no", "always", "unless-stopped":
		if hasCount {
			return RestartPolicy{}, invalidf("maximum retry count cannot be used with restart policy '%s'", name)
		}
		if name == "" {
			name = "no"
		}
		return RestartPolicy{Name: name}, nil
	case "on-failure":
		p := RestartPolicy{Name: name}
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return RestartPolicy{}, invalidf("invalid restart policy maximum retry count %q", count)
			}
			p.MaximumRetryCount = n
		}
		return p, nil
	}
	return RestartPolicy{}, invalidf("invalid restart policy %q: use no, always, unless-stopped or on-failure[:max-retries]", s)
}
