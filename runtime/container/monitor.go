package container

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/monitor"
)

// MonitorRole is the value of _SKIFF_ROLE that makes main call MonitorMain.
const MonitorRole = "monitor"

// MonitorMain is the monitor role's entry point: it runs the container
// described on fd 3 and returns when the container ended for good.
func MonitorMain() int {
	for fd := monitorConfigFD; fd <= monitorClientFD; fd++ {
		unix.CloseOnExec(fd) // none of them is for the container
	}
	var cfg monitorConfig
	f := os.NewFile(monitorConfigFD, "config")
	err := json.NewDecoder(f).Decode(&cfg)
	f.Close()
	if err != nil {
		return 125
	}
	e := engine.New(cfg.Engine)
	defer e.Close()
	h := &monitorHooks{
		e: e, id: cfg.ID,
		lock:   os.NewFile(monitorLockFD, "lock"),
		sync:   os.NewFile(monitorSyncFD, "sync"),
		rootfs: cfg.Init.Spec.Root.Path,
	}
	var client *os.File
	if cfg.HasClient {
		client = os.NewFile(monitorClientFD, "client")
	}
	if err := os.Chdir("/"); err != nil {
		return 125
	}
	monitor.Run(monitor.Options{
		Init: cfg.Init, OpenStdin: cfg.OpenStdin, StdinOnce: cfg.StdinOnce,
		LogPath: cfg.LogPath, Socket: cfg.Socket, FirstClient: client, Hooks: h,
	})
	return 0
}

// monitorHooks record the container's life in its state.
type monitorHooks struct {
	e  *engine.Engine
	id string
	// lock is the CLI's lock, shared until the first start is recorded;
	// sync the pipe the CLI waits on for the start report.
	lock, sync *os.File
	backoff    time.Duration
	started    time.Time
	rootfs     string // mounted by the CLI
}

// locked runs fn under the container's lock: the CLI's, while shared.
func (h *monitorHooks) locked(fn func(c *Container) error) error {
	if h.lock == nil {
		return Locked(h.e, h.id, fn)
	}
	defer func() { h.lock.Close(); h.lock = nil }()
	c, err := load(h.e, h.id)
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.saveState()
}

func (h *monitorHooks) report(r startReport) {
	if h.sync == nil {
		return
	}
	_ = json.NewEncoder(h.sync).Encode(r)
	h.sync.Close()
	h.sync = nil
}

// Started records the running process.
func (h *monitorHooks) Started(pid int) error {
	h.started = time.Now()
	pidStart, _ := proc.StartTime(pid)
	me := os.Getpid()
	meStart, _ := proc.StartTime(me)
	err := h.locked(func(c *Container) error {
		c.State.Status = StatusRunning
		c.State.Pid, c.State.PidStart = pid, pidStart
		c.State.MonitorPid, c.State.MonitorStart = me, meStart
		c.State.StartedAt = time.Now().UTC()
		c.State.ExitCode, c.State.Error = 0, ""
		c.State.StartCount++
		c.State.ManuallyStopped = false
		c.State.Rootfs = h.rootfs
		return nil
	})
	if err != nil {
		h.report(startReport{Error: err.Error(), Code: 125})
		return err
	}
	h.report(startReport{Pid: pid})
	return nil
}

// Exited records the exit, applies the restart policy, and cleans up
// (--rm included) when the container stays stopped.
func (h *monitorHooks) Exited(r monitor.Result) (bool, time.Duration) {
	restart := false
	autoRemove := false
	_ = h.locked(func(c *Container) error {
		autoRemove = c.HostConfig.AutoRemove
		if r.StartFailed {
			if c.State.StartCount > 0 {
				c.State.Status = StatusExited
			} else {
				c.State.Status = StatusCreated
			}
		} else {
			c.State.Status = StatusExited
			restart = c.shouldRestart(r.Code)
		}
		c.State.ExitCode, c.State.Error = r.Code, r.Error
		c.State.Pid, c.State.PidStart = 0, 0
		c.State.FinishedAt = r.Finished
		if restart {
			c.State.Status = StatusRestarting
			c.State.RestartCount++
			return nil
		}
		c.State.MonitorPid, c.State.MonitorStart = 0, 0
		c.releaseRuntime()
		return nil
	})
	if r.StartFailed {
		h.report(startReport{Error: r.Error, Code: r.Code})
	}
	if !restart {
		if autoRemove {
			_ = Remove(h.e, h.id, RemoveOptions{Force: true, Volumes: true})
		}
		return false, 0
	}
	return true, h.nextDelay()
}

// nextDelay is docker's restart back-off: 100ms doubling, reset after a
// run of ten seconds or more.
func (h *monitorHooks) nextDelay() time.Duration {
	if time.Since(h.started) >= 10*time.Second || h.backoff == 0 {
		h.backoff = 100 * time.Millisecond
	} else if h.backoff < time.Minute {
		h.backoff *= 2
	}
	return h.backoff
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
