package container

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/runtime/engine"
)

// What `system restore` (runtime/system) needs of a container: whether
// its restart policy brings it back, the start itself with that rule
// checked again under the lock, the containers it needs started first,
// and a wait for its health check's verdict.

// StartsAtRestore reports whether a restore starts the container again:
// docker's rule at a daemon start (moby's restore asks a fresh restart
// manager with the last exit code and HasBeenManuallyStopped) for the
// first restore of a boot, and the live restart policy's rule for any
// later one. Only containers that ran and exited qualify (one whose
// monitor died, with the machine, reads as exited).
//
//   - always: yes; at boot even after a user stop ("if it is manually
//     stopped, it is restarted only when Docker daemon restarts or the
//     container itself is manually restarted", docker's documentation);
//   - unless-stopped: unless the user stopped it (ManuallyStopped
//     survives the reboot; a container that died with the machine was
//     not stopped by the user: refresh records it as exited 255);
//   - on-failure[:N]: when its last exit code is not 0 and retries are
//     left; at boot even after a user stop, whose 137 or 143 counts as a
//     failure, as docker does (moby#35166, moby#47846);
//   - no: never.
//
// A restore later in the same boot (the unit run again at a login, a
// restore by hand) is not a daemon start: it brings back what the policy
// would have restarted had a monitor been there to see the exit, so never
// a container the user stopped.
//
// The restore then starts the container by hand: docker resets the
// restart manager there, so ManuallyStopped and RestartCount clear. One
// difference from docker: kill with a signal that is not the container's
// stop signal (userStop) sets docker's HasBeenManuallyStopped but not
// ManuallyStopped, so such an unless-stopped container comes back.
func (c *Container) StartsAtRestore(boot bool) bool {
	s := &c.State
	if s.StartCount == 0 || s.Status != StatusExited || (s.ManuallyStopped && !boot) {
		return false
	}
	p := c.HostConfig.RestartPolicy
	switch p.Name {
	case "always":
		return true
	case "unless-stopped":
		return !s.ManuallyStopped
	case "on-failure":
		return s.ExitCode != 0 && (p.MaximumRetryCount == 0 || s.RestartCount < p.MaximumRetryCount)
	}
	return false
}

// Restore starts the container for `system restore` (boot: the first
// restore since the machine started) if StartsAtRestore still says so
// under its lock, so that restores running side by side, or a stop by
// hand in between, never start it twice. It reports whether it started
// the container.
func Restore(e *engine.Engine, id string, boot bool) (bool, error) {
	c, err := load(e, id)
	if err != nil {
		return false, err
	}
	kind := startAtRestore
	if boot {
		kind = startAtBootRestore
	}
	switch err := c.start(nil, kind); {
	case errors.Is(err, ErrAlreadyRunning), errors.Is(err, errNotRestored):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// Needs lists the containers c uses at start, by name or ID as its
// record keeps them: the one whose network, IPC or PID namespace it
// joins (--network, --ipc, --pid container:X), those it took volumes
// from (--volumes-from) and those it links to (--link). A restore starts
// them first.
func (c *Container) Needs() []string {
	var out []string
	if nc := c.netConfig(); nc.Mode == ModeContainer && nc.Container != "" {
		out = append(out, nc.Container)
	}
	for _, mode := range []string{c.HostConfig.IpcMode, c.HostConfig.PidMode, c.HostConfig.UTSMode} {
		if ref, ok := strings.CutPrefix(mode, "container:"); ok && ref != "" {
			out = append(out, ref)
		}
	}
	for _, v := range c.HostConfig.VolumesFrom {
		if ref, _, _ := strings.Cut(v, ":"); ref != "" {
			out = append(out, ref)
		}
	}
	for _, l := range c.links() {
		out = append(out, l.name)
	}
	return out
}

// WaitHealthVerdict waits until the container's health check has
// decided (healthy or unhealthy), or the container no longer runs, and
// returns its health status then ("" without a health check, or when it
// does not run: a status recorded before it stopped says nothing). The wait
// is bounded by what the check itself allows: its start period and
// retries of interval plus timeout.
func WaitHealthVerdict(ctx context.Context, e *engine.Engine, id string) (string, error) {
	c, err := load(e, id)
	if err != nil {
		return "", err
	}
	if !c.healthActive() {
		return "", nil
	}
	hc := c.Config.Healthcheck
	timeout, retries := hc.Timeout, hc.Retries
	if timeout <= 0 {
		timeout = defaultHealthTimeout
	}
	if retries <= 0 {
		retries = defaultHealthRetries
	}
	bound := hc.StartPeriod + time.Duration(retries+1)*(c.healthEvery()+timeout)
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	err = c.waitFor(ctx, func(s *State) bool {
		return !s.Running() || s.Health == nil || s.Health.Status != HealthStarting
	})
	if c.State.Health == nil || !c.State.Running() {
		return "", err
	}
	return c.State.Health.Status, err
}
