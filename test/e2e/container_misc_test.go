package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestRename(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--name", "old", img, "sleep", "100").Success(t).Out()
	e.Skiff("create", "--name", "taken", img, "true").Success(t)
	if r := e.Skiff("rename", "old", "new").Success(t); r.Stdout+r.Stderr != "" {
		t.Errorf("rename printed %q %q", r.Stdout, r.Stderr)
	}
	if got := inspectField(e, id, "{{.Name}} {{.State.Status}}"); got != "/new running" {
		t.Errorf("after rename: %q", got)
	}
	if got := e.Skiff("ps", "--format", "{{.Names}}").Out(); got != "new" {
		t.Errorf("ps after rename: %q", got)
	}
	e.Skiff("inspect", "old").Fail(t, 125, "No such object: old")
	e.Skiff("create", "--name", "old", img, "true").Success(t) // the old name is free
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"new", "taken"}, `"/taken" is already in use`},
		{[]string{"new", "new"}, "same name"},
		{[]string{"nosuch", "x"}, "No such container: nosuch"},
		{[]string{"new", "bad/name"}, "invalid container name"},
		{[]string{"new"}, "requires exactly 2 arguments"},
	} {
		r := e.Skiff(append([]string{"rename"}, tc.args...)...).Fail(t, 125, tc.msg)
		if strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("rename %v: stderr %q", tc.args, r.Stderr)
		}
	}
	if got := inspectField(e, id, "{{.Name}}"); got != "/new" {
		t.Errorf("failed renames changed the name to %q", got)
	}
	e.Skiff("container", "rename", id[:12], "/again").Success(t)
	if got := inspectField(e, "again", "{{.Id}}"); got != id {
		t.Errorf("rename by short ID: %q", got)
	}
}

func TestTop(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "t", img, "sh", "-c", "sleep 101 & sleep 102; echo done").Success(t)
	waitUntil(t, 10e9, "sh and two sleeps", func() bool {
		return len(e.Skiff("top", "t").Lines()) == 4
	})
	r := e.Skiff("top", "t").Success(t)
	lines := r.Lines()
	if !regexp.MustCompile(`^UID +PID +PPID +C +STIME +TTY +TIME +CMD$`).MatchString(lines[0]) {
		t.Errorf("top header %q", lines[0])
	}
	if len(lines) != 4 { // sh, sleep 101, sleep 102
		t.Errorf("top rows:\n%s", r.Stdout)
	}
	pid := strconv.Itoa(pidOf(e, "t"))
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if f[0] != "root" && !e.Rootless {
			t.Errorf("top user %q", f[0])
		}
		if f[1] != pid && f[2] != pid {
			t.Errorf("row %q is not the container's process or its child (pid %s)", l, pid)
		}
	}
	if !strings.Contains(r.Stdout, "sh -c sleep 101 & sleep 102; echo done") {
		t.Errorf("the last column keeps the whole command line:\n%s", r.Stdout)
	}
	r = e.Skiff("top", "t", "-o", "pid,comm").Success(t)
	if got := r.Lines(); !regexp.MustCompile(`^PID +COMMAND$`).MatchString(got[0]) || len(got) != 4 {
		t.Errorf("top -o pid,comm:\n%s", r.Stdout)
	}
	e.Skiff("top", "t", "-o", "comm").Fail(t, 125, "PID")
	e.Skiff("top", "t", "--bogus-ps-option").Fail(t, 125, "ps")
	e.Skiff("top", "nosuch").Fail(t, 125, "No such container")
	e.Skiff("stop", "-t", "0", "t").Success(t)
	e.Skiff("top", "t").Fail(t, 125, "is not running")
}

func TestContainerPrune(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	up := e.Skiff("run", "-d", "--name", "up", img, "sleep", "100").Success(t).Out()
	exited := e.Skiff("run", "--name", "exited", "-l", "keep=no", img, "sh", "-c", "echo data > /file").Success(t)
	_ = exited
	created := e.Skiff("create", "--name", "created", "-l", "keep=yes", img, "true").Success(t).Out()
	// the answer n keeps everything
	r := e.SkiffStdin(strings.NewReader("n\n"), "container", "prune")
	if r.Code != 0 || !strings.Contains(r.Stdout, "WARNING! This will remove all stopped containers.") || strings.Contains(r.Stdout, "Deleted") {
		t.Errorf("prune answered n: %d %q", r.Code, r.Stdout)
	}
	if n := len(e.Skiff("ps", "-aq").Lines()); n != 3 {
		t.Errorf("%d containers after answering n", n)
	}
	// filters
	r = e.Skiff("container", "prune", "-f", "--filter", "label=keep=no").Success(t)
	exitedID := regexp.MustCompile(`(?m)^[0-9a-f]{64}$`).FindString(r.Stdout)
	if !strings.HasPrefix(r.Stdout, "Deleted Containers:\n") || exitedID == "" || strings.Count(r.Stdout, "\n") != 4 ||
		!regexp.MustCompile(`\n\nTotal reclaimed space: \d[\d.]*[kMG]?B\n$`).MatchString(r.Stdout) {
		t.Errorf("prune --filter label=keep=no:\n%s", r.Stdout)
	}
	if got := e.Skiff("container", "prune", "-f", "--filter", "until=2000-01-01T00:00:00Z").Success(t).Stdout; got != "Total reclaimed space: 0B\n" {
		t.Errorf("prune until=2000: %q", got)
	}
	if got := e.Skiff("container", "prune", "-f", "--filter", "label!=keep=yes").Success(t).Stdout; got != "Total reclaimed space: 0B\n" {
		t.Errorf("prune label!=keep=yes: %q", got)
	}
	r = e.SkiffStdin(strings.NewReader("y\n"), "container", "prune")
	if !strings.Contains(r.Success(t).Stdout, "Deleted Containers:\n"+created+"\n") {
		t.Errorf("prune answered y:\n%s", r.Stdout)
	}
	if got := e.Skiff("ps", "-aq", "--no-trunc").Out(); got != up {
		t.Errorf("after prune: %q, want only the running container", got)
	}
	e.Skiff("container", "prune", "-f", "--filter", "status=exited").Fail(t, 125, "invalid filter 'status'")
	e.Skiff("container", "prune", "-f", "--filter", "until=nonsense").Fail(t, 125, "until=nonsense")
}
