package container

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/runtime/attach"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// CleanupRole is the value of _SKIFF_ROLE that makes main call
// CleanupMain: the monitor execs it in place when the container exited.
const CleanupRole = "cleanup"

// CleanupMain records a container's exit, then cleans up (--rm included)
// or restarts it per its restart policy, and finally tells the attach
// clients the monitor handed over how the container ended. The monitor
// passes the facts in the environment: _SKIFF_RUNDIR, _SKIFF_EXIT_CODE,
// _SKIFF_FINISHED (unix nanoseconds), _SKIFF_ATTACH_FDS.
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
	defer func() {
		for _, c := range clients {
			_ = attach.WriteJSON(c, attach.KindExit, attach.ExitInfo{Code: code})
			c.Close()
		}
	}()
	e, id, err := monitorRoleEngine()
	if err != nil {
		return 125
	}
	defer e.Close()
	recordExit(e, id, code, finished)
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

// recordExit writes the exit into the state and applies --rm or the
// restart policy.
func recordExit(e *engine.Engine, id string, code int, finished time.Time) {
	restart, autoRemove := false, false
	var delay time.Duration
	_ = Locked(e, id, func(c *Container) error {
		c.noteOOM()
		c.event("die", "exitCode", strconv.Itoa(code))
		autoRemove = c.HostConfig.AutoRemove
		restart = c.shouldRestart(code)
		delay = c.restartDelay(finished)
		c.State.ExitCode, c.State.Error = code, ""
		c.State.Pid, c.State.PidStart = 0, 0
		c.State.FinishedAt = finished
		if restart {
			c.State.Status = StatusRestarting
			c.State.RestartCount++
			return nil
		}
		c.State.Status = StatusExited
		c.State.MonitorPid, c.State.MonitorStart = 0, 0
		c.releaseRuntime()
		return nil
	})
	switch {
	case autoRemove:
		_ = Remove(e, id, RemoveOptions{Force: true, Volumes: true, AfterExit: true})
	case restart:
		time.Sleep(delay)
		restartAfterExit(e, id)
	}
}

// restartAfterExit starts the container again unless it was stopped
// meanwhile (stop and kill set ManuallyStopped).
func restartAfterExit(e *engine.Engine, id string) {
	c, err := Lookup(e, id)
	if err != nil {
		return
	}
	if c.State.ManuallyStopped && c.HostConfig.RestartPolicy.Name != "always" {
		_ = Locked(e, id, func(c *Container) error {
			c.State.Status = StatusExited
			c.State.MonitorPid, c.State.MonitorStart = 0, 0
			c.releaseRuntime()
			return nil
		})
		return
	}
	_ = c.start(nil)
}

// restartDelay is docker's back-off: 100ms doubling with each restart in
// a row, back to 100ms after a run of ten seconds or more.
func (c *Container) restartDelay(finished time.Time) time.Duration {
	if finished.Sub(c.State.StartedAt) >= 10*time.Second {
		return 100 * time.Millisecond
	}
	d := 100 * time.Millisecond
	for i := 0; i < c.State.RestartCount && d < time.Minute; i++ {
		d *= 2
	}
	if d > time.Minute {
		d = time.Minute
	}
	return d
}

// shouldRestart applies the restart policy to an exit.
func (c *Container) shouldRestart(code int) bool {
	p := c.HostConfig.RestartPolicy
	switch p.Name {
	case "always":
		return true
	case "unless-stopped":
		return !c.State.ManuallyStopped
	case "on-failure":
		if code == 0 || c.State.ManuallyStopped {
			return false
		}
		return p.MaximumRetryCount == 0 || c.State.RestartCount < p.MaximumRetryCount
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
