package container

import (
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/runtime/mounts"
)

func testContainer(id, name, status string, code int, labels map[string]string) *Container {
	c := &Container{}
	c.ID, c.Name, c.Created = id, name, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Config.Labels = labels
	c.HostConfig.NetworkMode = "bridge"
	c.State.Status, c.State.ExitCode = status, code
	if status == StatusExited {
		c.State.StartCount = 1
	}
	return c
}

func TestParseFilters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		keys []string
		err  string
	}{
		{[]string{"status=running", "name=web", "label=a=b", "exited=0", "id=3f", "ancestor=busybox", "before=x", "since=y", "network=host"}, PsFilterKeys, ""},
		{[]string{"until=10m", "label=a", "label!=b=c"}, PruneFilterKeys, ""},
		{[]string{"STATUS=running"}, PsFilterKeys, ""},
		{[]string{"bogus=1"}, PsFilterKeys, "invalid filter 'bogus'"},
		{[]string{"until=1h"}, PsFilterKeys, "invalid filter 'until'"},
		{[]string{"label!=a"}, PsFilterKeys, "invalid filter 'label!'"},
		{[]string{"status=sleeping"}, PsFilterKeys, "invalid filter 'status=sleeping'"},
		{[]string{"exited=x"}, PsFilterKeys, "invalid filter 'exited=x'"},
		{[]string{"name=("}, PsFilterKeys, "regular expression"},
		{[]string{"label="}, PsFilterKeys, "label=KEY"},
		{[]string{"noequals"}, PsFilterKeys, "bad format of filter"},
		{[]string{"until=whenever"}, PruneFilterKeys, "until=whenever"},
	} {
		_, err := ParseFilters(tc.args, tc.keys)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseFilters(%v) = %v, want %q", tc.args, err, tc.err)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	web := testContainer("3f4e5d", "web", StatusRunning, 0, map[string]string{"tier": "front", "env": "prod"})
	db := testContainer("a1b2c3", "db", StatusExited, 3, map[string]string{"tier": "back"})
	fresh := testContainer("c0ffee", "fresh", StatusCreated, 0, nil)
	web.Mounts = []mounts.MountPoint{{Type: mounts.TypeVolume, Name: "data", Source: "/v/data/_data", Destination: "/srv", Driver: "local"}}
	db.Mounts = []mounts.MountPoint{{Type: mounts.TypeBind, Source: "/host/dir", Destination: "/in"}}
	all := []*Container{web, db, fresh}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "web db fresh"},
		{[]string{"status=running", "status=created"}, "web fresh"},
		{[]string{"name=^web$"}, "web"},
		{[]string{"name=^/db"}, "db"},
		{[]string{"name=e"}, "web fresh"},
		{[]string{"id=3f"}, "web"},
		{[]string{"id=c0ffee", "id=a1b2"}, "db fresh"},
		{[]string{"label=tier"}, "web db"},
		{[]string{"label=tier=back"}, "db"},
		{[]string{"label=tier", "label=env=prod"}, "web"},
		{[]string{"exited=3"}, "db"},
		{[]string{"exited=0"}, ""},
		{[]string{"network=bridge"}, "web db fresh"},
		{[]string{"network=host"}, ""},
		{[]string{"volume=data"}, "web"},
		{[]string{"volume=/srv"}, "web"},
		{[]string{"volume=/host/dir"}, "db"},
		{[]string{"volume=nosuch"}, ""},
	} {
		f, err := ParseFilters(tc.args, PsFilterKeys)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range all {
			if f.matchBasic(c) {
				got = append(got, c.Name)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%v: got %q want %q", tc.args, got, tc.want)
		}
	}
	f, _ := ParseFilters([]string{"label!=tier=back", "until=2025-01-01"}, PruneFilterKeys)
	if !f.matchBasic(web) || f.matchBasic(db) || !f.matchBasic(fresh) {
		t.Errorf("label!= / until do not match as expected")
	}
	f, _ = ParseFilters([]string{"until=2023-01-01"}, PruneFilterKeys)
	if f.matchBasic(web) {
		t.Errorf("until before creation matched")
	}
}

func TestStatusText(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	c := testContainer("x", "x", StatusRunning, 0, nil)
	for _, tc := range []struct {
		status   string
		code     int
		started  time.Duration // before now
		finished time.Duration
		want     string
	}{
		{StatusCreated, 0, 0, 0, "Created"},
		{StatusRunning, 0, 5 * time.Second, 0, "Up 5 seconds"},
		{StatusRunning, 0, 300 * time.Millisecond, 0, "Up Less than a second"},
		{StatusRunning, 0, 90 * time.Second, 0, "Up About a minute"},
		{StatusPaused, 0, 3 * time.Hour, 0, "Up 3 hours (Paused)"},
		{StatusExited, 3, time.Hour, 3 * time.Second, "Exited (3) 3 seconds ago"},
		{StatusRestarting, 1, time.Hour, time.Second, "Restarting (1) 1 second ago"},
		{StatusRemoving, 0, 0, 0, "Removal In Progress"},
		{StatusDead, 0, 0, 0, "Dead"},
	} {
		c.State.Status, c.State.ExitCode = tc.status, tc.code
		c.State.StartedAt, c.State.FinishedAt = now.Add(-tc.started), now.Add(-tc.finished)
		if got := c.StatusText(now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.status, got, tc.want)
		}
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		args []string
		want string
	}{
		{"sleep", []string{"100"}, "sleep 100"},
		{"true", nil, "true"},
		{"sh", []string{"-c", "echo hi; sleep 1"}, "sh -c 'echo hi; sleep 1'"},
	} {
		c := &Container{}
		c.Path, c.Args = tc.path, tc.args
		if got := c.CommandLine(); got != tc.want {
			t.Errorf("%q %q: %q, want %q", tc.path, tc.args, got, tc.want)
		}
	}
}

func TestParsePS(t *testing.T) {
	t.Parallel()
	out := `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root         100       1  0 10:01 ?        00:00:00 sh -c sleep 5 & sleep 6
root         101     100  0 10:01 ?        00:00:00 sleep 5
root         200       1  0 10:02 ?        00:00:00 other
`
	r, err := parsePS([]byte(out), map[int]bool{100: true, 101: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Titles) != 8 || len(r.Processes) != 2 || r.Processes[0][7] != "sh -c sleep 5 & sleep 6" || r.Processes[1][1] != "101" {
		t.Errorf("parsePS = %+v", r)
	}
	// ps -m: thread rows ("-" as PID) follow their process
	threads := "PID TID CMD\n100 - sh\n- 100 -\n- 102 -\n300 - other\n- 300 -\n"
	r, err = parsePS([]byte(threads), map[int]bool{100: true})
	if err != nil || len(r.Processes) != 3 {
		t.Errorf("parsePS with threads = %+v, %v", r, err)
	}
	if _, err := parsePS([]byte("USER COMMAND\nroot x\n"), nil); err == nil {
		t.Error("want an error without a PID column")
	}
	if _, err := parsePS([]byte("PID CMD\nabc x\n"), nil); err == nil {
		t.Error("want an error for a bad pid")
	}
}
