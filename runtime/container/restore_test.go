package container

import (
	"slices"
	"testing"
)

// The first restore of a boot is docker's daemon start: always comes back
// even after a user stop, unless-stopped only when not stopped by the
// user, on-failure after a non-zero last exit (a stop's 137 included).
// Later restores of the same boot never start what the user stopped.
// Neither starts a container that never ran or runs.
func TestStartsAtRestore(t *testing.T) {
	t.Parallel()
	ran := State{Status: StatusExited, StartCount: 1}
	died := State{Status: StatusExited, StartCount: 1, ExitCode: 255}
	stoppedByUser := ran
	stoppedByUser.ManuallyStopped, stoppedByUser.ExitCode = true, 137
	for _, tc := range []struct {
		policy      string
		max         int
		state       State
		boot, later bool
	}{
		{"always", 0, ran, true, true},
		{"always", 0, died, true, true},
		{"always", 0, stoppedByUser, true, false},
		{"always", 0, State{Status: StatusCreated}, false, false},
		{"always", 0, State{Status: StatusRunning, StartCount: 1}, false, false},
		{"always", 0, State{Status: StatusRestarting, StartCount: 1}, false, false},
		{"always", 0, State{Status: StatusRemoving, StartCount: 1}, false, false},
		{"always", 0, State{Status: StatusDead, StartCount: 1}, false, false},
		{"unless-stopped", 0, ran, true, true},
		{"unless-stopped", 0, died, true, true},
		{"unless-stopped", 0, stoppedByUser, false, false},
		{"on-failure", 0, ran, false, false},
		{"on-failure", 0, died, true, true},
		{"on-failure", 0, stoppedByUser, true, false},
		{"on-failure", 2, State{Status: StatusExited, StartCount: 3, ExitCode: 1, RestartCount: 2}, false, false},
		{"on-failure", 2, State{Status: StatusExited, StartCount: 2, ExitCode: 255, RestartCount: 1}, true, true},
		{"no", 0, died, false, false},
		{"", 0, died, false, false},
		{"no", 0, stoppedByUser, false, false},
	} {
		c := policied(tc.policy, tc.max, tc.state)
		if got := c.StartsAtRestore(true); got != tc.boot {
			t.Errorf("%s:%d %+v at boot: %v, want %v", tc.policy, tc.max, tc.state, got, tc.boot)
		}
		if got := c.StartsAtRestore(false); got != tc.later {
			t.Errorf("%s:%d %+v later: %v, want %v", tc.policy, tc.max, tc.state, got, tc.later)
		}
	}
}

// Needs names every container a start joins or copies from.
func TestNeeds(t *testing.T) {
	t.Parallel()
	c := &Container{}
	c.Network = &NetworkConfig{Mode: ModeContainer, Container: "0123abcd"}
	c.HostConfig.IpcMode = "container:ipcdonor"
	c.HostConfig.PidMode = "container:piddonor"
	c.HostConfig.VolumesFrom = []string{"data:ro", "more"}
	c.HostConfig.Links = []string{"/db:/web/database"}
	want := []string{"0123abcd", "ipcdonor", "piddonor", "data", "more", "db"}
	if got := c.Needs(); !slices.Equal(got, want) {
		t.Errorf("Needs = %q, want %q", got, want)
	}
	plain := &Container{}
	plain.HostConfig.IpcMode = "shareable"
	plain.Network = &NetworkConfig{Mode: ModeBridge}
	if got := plain.Needs(); len(got) != 0 {
		t.Errorf("Needs of a container joining nothing = %q", got)
	}
}
