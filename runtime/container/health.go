package container

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/storage/image"
)

// Health checks, as docker runs them, run by the container's monitor: it
// starts skiff's health role every interval while the container runs (one
// check at a time); the role runs the check inside the container with
// exec, and records the result in the state, under the container's lock.

// HealthRole is the value of _SKIFF_ROLE that makes main call HealthMain.
const HealthRole = "health"

// Health statuses, as docker names them.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// Docker's defaults for what a health check leaves unset.
const (
	defaultHealthInterval = 30 * time.Second
	defaultHealthTimeout  = 30 * time.Second
	defaultHealthRetries  = 3
	healthLogEntries      = 5
	healthOutputMax       = 4096
)

// Health is docker's .State.Health.
type Health struct {
	Status        string
	FailingStreak int
	Log           []HealthResult
}

// HealthResult is one check.
type HealthResult struct {
	Start    time.Time
	End      time.Time
	ExitCode int
	Output   string
}

// HealthOptions are the --health-* flags; zero values keep the image's.
type HealthOptions struct {
	Cmd string
	// Test is a whole check in docker's form (["CMD", ...],
	// ["CMD-SHELL", "..."], ["NONE"]), as compose gives it; it wins over
	// Cmd.
	Test                                          []string
	Interval, Timeout, StartPeriod, StartInterval *time.Duration
	Retries                                       *int
	Disable                                       bool // --no-healthcheck
	// OnFailure is podman's --health-on-failure: what happens when the
	// check turns unhealthy (none, kill, restart, stop).
	OnFailure string
}

// set reports whether any --health-* flag was given.
func (o *HealthOptions) set() bool {
	return o.Cmd != "" || len(o.Test) > 0 || o.Interval != nil || o.Timeout != nil || o.StartPeriod != nil || o.StartInterval != nil || o.Retries != nil
}

// healthConfig merges the image's health check with the flags (checked
// by validate), as docker does: each flag replaces its field;
// --no-healthcheck disables it.
func healthConfig(image *HealthConfig, o HealthOptions) (*HealthConfig, error) {
	if o.Disable {
		return &HealthConfig{Test: []string{"NONE"}}, nil
	}
	if !o.set() {
		return image, nil
	}
	hc := &HealthConfig{}
	if image != nil {
		*hc = *image
	}
	if o.Cmd != "" {
		hc.Test = []string{"CMD-SHELL", o.Cmd}
	}
	if len(o.Test) > 0 {
		hc.Test = o.Test
	}
	for _, d := range []struct {
		v   *time.Duration
		dst *time.Duration
	}{{o.Interval, &hc.Interval}, {o.Timeout, &hc.Timeout}, {o.StartPeriod, &hc.StartPeriod}, {o.StartInterval, &hc.StartInterval}} {
		if d.v != nil {
			*d.dst = *d.v
		}
	}
	if o.Retries != nil {
		hc.Retries = *o.Retries
	}
	if len(hc.Test) == 0 {
		return nil, errdefs.Invalid("--health-* options need a health check: give --health-cmd")
	}
	return hc, nil
}

// healthActive reports whether the container has a health check to run.
func (c *Container) healthActive() bool {
	hc := c.Config.Healthcheck
	return hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE"
}

// healthInterval is the time between the checks (and before the first).
func (c *Container) healthInterval() time.Duration {
	hc := c.Config.Healthcheck
	if hc.StartInterval > 0 && hc.StartPeriod > 0 {
		return min(hc.StartInterval, c.healthEvery())
	}
	return c.healthEvery()
}

func (c *Container) healthEvery() time.Duration {
	if d := c.Config.Healthcheck.Interval; d > 0 {
		return d
	}
	return defaultHealthInterval
}

// HealthText is what ps adds to "Up ...": " (healthy)", " (unhealthy)",
// " (health: starting)", or nothing.
func (s *State) HealthText() string {
	if s.Health == nil || s.Status != StatusRunning {
		return ""
	}
	if s.Health.Status == HealthStarting {
		return " (health: starting)"
	}
	return " (" + s.Health.Status + ")"
}

// HealthMain is the health role: one check of the container the monitor
// runs (its runtime directory in _SKIFF_RUNDIR), recorded in its state.
func HealthMain() int {
	e, id, err := monitorRoleEngine()
	if err != nil {
		return 125
	}
	defer e.Close()
	if _, err := runHealthcheck(context.Background(), e, id); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// RunHealthcheck is podman's healthcheck run: the container's check, run
// once now and recorded as the monitor's checks are. It returns the
// check's verdict: HealthHealthy, HealthStarting (a failure within the
// start period) or HealthUnhealthy (any other failure, whatever the
// retries say, as podman answers).
func RunHealthcheck(ctx context.Context, e *engine.Engine, ref string) (string, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return "", err
	}
	if !c.healthActive() {
		return "", errdefs.Invalid("container %s has no defined healthcheck", c.Name)
	}
	if c.State.Status != StatusRunning {
		return "", errdefs.Conflict("container %s is not running", c.Name)
	}
	return runHealthcheck(ctx, e, c.ID)
}

// runHealthcheck runs the container's check once, records it and returns
// its verdict ("" when there was none to run).
func runHealthcheck(ctx context.Context, e *engine.Engine, id string) (string, error) {
	c, err := load(e, id)
	if err != nil || !c.healthActive() || c.State.Status != StatusRunning {
		return "", err
	}
	hc := c.Config.Healthcheck
	var cmd []string
	switch hc.Test[0] {
	case "CMD":
		cmd = hc.Test[1:]
	case "CMD-SHELL":
		cmd = append([]string{"/bin/sh", "-c"}, hc.Test[1:]...)
	default:
		return "", fmt.Errorf("unknown health check type %q", hc.Test[0])
	}
	timeout := hc.Timeout
	if timeout <= 0 {
		timeout = defaultHealthTimeout
	}
	res := HealthResult{Start: time.Now().UTC()}
	res.ExitCode, res.Output = c.check(ctx, cmd, timeout)
	res.End = time.Now().UTC()
	verdict := HealthUnhealthy
	switch {
	case res.ExitCode == 0:
		verdict = HealthHealthy
	case res.Start.Sub(c.State.StartedAt) < hc.StartPeriod:
		verdict = HealthStarting
	}
	var changed string
	err = Locked(e, id, func(fresh *Container) error {
		if fresh.State.Status != StatusRunning || fresh.State.Health == nil || fresh.State.Pid != c.State.Pid {
			return nil // stopped, or a restart's new run: not this check's
		}
		h := fresh.State.Health
		h.Log = append(h.Log, res)
		if len(h.Log) > healthLogEntries {
			h.Log = h.Log[len(h.Log)-healthLogEntries:]
		}
		before := h.Status
		retries := hc.Retries
		if retries <= 0 {
			retries = defaultHealthRetries
		}
		switch {
		case res.ExitCode == 0:
			h.Status, h.FailingStreak = HealthHealthy, 0
		case res.Start.Sub(fresh.State.StartedAt) < hc.StartPeriod:
			// failures in the start period do not count
		default:
			if h.FailingStreak++; h.FailingStreak >= retries {
				h.Status = HealthUnhealthy
			}
		}
		if h.Status != before {
			changed = h.Status
		}
		if changed == HealthUnhealthy {
			fresh.onUnhealthy()
		}
		return nil
	})
	if changed != "" {
		c.event("health_status: " + changed)
	}
	return verdict, err
}

// check runs cmd in the container with a time limit and returns its exit
// code and (the first KiB of) its output; -1 when it could not run or
// ran out of time.
func (c *Container) check(ctx context.Context, cmd []string, timeout time.Duration) (int, string) {
	var out limitedBuffer
	o := ExecOptions{Cmd: cmd, Stdout: &out, Stderr: &out}
	p, err := c.execProcess(&o)
	if err != nil {
		return -1, err.Error()
	}
	x, err := c.startExec(p, &o)
	if err != nil {
		return -1, err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	code, err := x.wait(ctx, &o)
	if err != nil {
		_ = x.cmd.Process.Kill()
		_ = x.cmd.Wait()
		if ctx.Err() != nil {
			return -1, fmt.Sprintf("Health check exceeded timeout (%s)", timeout)
		}
		return -1, err.Error()
	}
	return code, out.String()
}

// limitedBuffer keeps the first healthOutputMax bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := healthOutputMax - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// healthArg is the monitor's --health-interval argument (milliseconds),
// or "" without a health check.
func (c *Container) healthArg() string {
	if !c.healthActive() {
		return ""
	}
	return strconv.FormatInt(c.healthInterval().Milliseconds(), 10)
}

// imageHealth is the image's HEALTHCHECK, or nil.
func imageHealth(img *image.Image) *HealthConfig {
	if img.Docker == nil || img.Docker.Config == nil || img.Docker.Config.Healthcheck == nil {
		return nil
	}
	h := img.Docker.Config.Healthcheck
	return &HealthConfig{
		Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod,
		StartInterval: h.StartInterval, Retries: h.Retries,
	}
}

// healthStatus is the container's health for ps's health= filter:
// starting, healthy, unhealthy, or none.
func (c *Container) healthStatus() string {
	if !c.healthActive() || c.State.Health == nil {
		return "none"
	}
	return c.State.Health.Status
}

// onUnhealthy carries out --health-on-failure as the check turns
// unhealthy (the caller holds the lock): kill ends the process and lets
// the restart policy decide, restart ends it and restarts it whatever
// the policy, stop ends it as a user stop would.
func (c *Container) onUnhealthy() {
	switch c.Config.HealthcheckOnFailureAction {
	case "kill":
	case "restart":
		c.State.HealthRestart = true
	case "stop":
		c.State.ManuallyStopped = true
	default:
		return
	}
	_ = c.saveState()
	_ = c.kill(unix.SIGKILL, c.Config.HealthcheckOnFailureAction == "stop")
}
