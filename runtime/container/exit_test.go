package container

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func policied(policy string, maxRetries int, s State) *Container {
	c := &Container{State: s}
	c.HostConfig.RestartPolicy = RestartPolicy{Name: policy, MaximumRetryCount: maxRetries}
	return c
}

// The restart policy at an exit: a user stop wins over every policy.
func TestShouldRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy  string
		max     int
		state   State
		code    int
		restart bool
	}{
		{"no", 0, State{}, 1, false},
		{"", 0, State{}, 1, false},
		{"always", 0, State{}, 0, true},
		{"always", 0, State{ManuallyStopped: true}, 137, false},
		{"unless-stopped", 0, State{}, 0, true},
		{"unless-stopped", 0, State{ManuallyStopped: true}, 143, false},
		{"on-failure", 0, State{}, 0, false},
		{"on-failure", 0, State{RestartCount: 50}, 1, true},
		{"on-failure", 3, State{RestartCount: 2}, 1, true},
		{"on-failure", 3, State{RestartCount: 3}, 1, false},
		{"on-failure", 0, State{ManuallyStopped: true}, 137, false},
	} {
		if got := policied(tc.policy, tc.max, tc.state).shouldRestart(tc.code); got != tc.restart {
			t.Errorf("%s:%d %+v exit %d: restart %v, want %v", tc.policy, tc.max, tc.state, tc.code, got, tc.restart)
		}
	}
}

// docker's back-off: 100ms doubling to a minute, 100ms again after a run
// of ten seconds.
func TestNextBackoff(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := &Container{State: State{StartedAt: start}}
	var got []time.Duration
	for range 12 {
		c.State.Backoff = c.nextBackoff(start.Add(time.Second))
		got = append(got, c.State.Backoff)
	}
	if got[0] != 100*time.Millisecond || got[1] != 200*time.Millisecond || got[9] != 51200*time.Millisecond || got[10] != time.Minute || got[11] != time.Minute {
		t.Errorf("back-offs %v", got)
	}
	if d := c.nextBackoff(start.Add(10 * time.Second)); d != 100*time.Millisecond {
		t.Errorf("after a long run: %v", d)
	}
}

// kill counts as a user stop for SIGKILL, the stop signal, or any signal
// when the container has no stop signal of its own.
func TestUserStop(t *testing.T) {
	t.Parallel()
	c := &Container{}
	if !c.userStop(unix.SIGHUP) || !c.userStop(unix.SIGKILL) {
		t.Error("without a stop signal every signal stops")
	}
	c.Config.StopSignal = "SIGUSR1"
	if c.userStop(unix.SIGTERM) || !c.userStop(unix.SIGUSR1) || !c.userStop(unix.SIGKILL) {
		t.Error("with --stop-signal USR1 only USR1 and KILL stop")
	}
}
