package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLogs(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "--name", "l", img, "sh", "-c", "echo out1; echo err1 >&2; sleep 0.2; echo out2; printf 'no newline'").Success(t)
	r := e.Skiff("logs", "l").Success(t)
	if r.Stdout != "out1\nout2\nno newline" || r.Stderr != "err1\n" {
		t.Errorf("logs: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	r = e.Skiff("logs", "--tail", "2", "l").Success(t)
	if r.Stdout != "out2\nno newline" || r.Stderr != "" {
		t.Errorf("logs --tail 2: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	if r = e.Skiff("logs", "-n", "0", "l").Success(t); r.Stdout+r.Stderr != "" {
		t.Errorf("logs -n 0: %q %q", r.Stdout, r.Stderr)
	}
	if r = e.Skiff("logs", "--tail", "all", "l").Success(t); r.Stdout != "out1\nout2\nno newline" {
		t.Errorf("logs --tail all: %q", r.Stdout)
	}
	r = e.Skiff("logs", "-t", "l").Success(t)
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out1$`)
	if lines := strings.Split(r.Stdout, "\n"); !stamp.MatchString(lines[0]) {
		t.Errorf("logs -t: %q", r.Stdout)
	}
	if r = e.Skiff("logs", "--details", "l").Success(t); !strings.HasPrefix(r.Stdout, " out1\n") {
		t.Errorf("logs --details: %q", r.Stdout)
	}
	// --since and --until: relative, RFC 3339, Unix seconds
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "1h"}, "out1\nout2\nno newline"},
		{[]string{"--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, ""},
		{[]string{"--until", "2000-01-01"}, ""},
		{[]string{"--until", "2000-01-01T00:00:00Z"}, ""},
		{[]string{"--since", "946684800", "--until", time.Now().Add(time.Minute).Format("2006-01-02T15:04:05")}, "out1\nout2\nno newline"},
		{[]string{"--until", "-1m"}, "out1\nout2\nno newline"},
	} {
		if got := e.Skiff(append(append([]string{"logs"}, tc.args...), "l")...).Success(t).Stdout; got != tc.want {
			t.Errorf("logs %v = %q, want %q", tc.args, got, tc.want)
		}
	}
	e.Skiff("logs", "--since", "yesterday", "l").Fail(t, 125, "--since")
	e.Skiff("logs", "--tail", "x", "l").Fail(t, 125, "--tail")
	e.Skiff("logs", "nosuch").Fail(t, 125, "No such container: nosuch")
	e.Skiff("logs").Fail(t, 125, "requires exactly 1 argument")
	// a created container has no logs yet; a tty's output is all stdout
	e.Skiff("create", "--name", "new", img, "true").Success(t)
	if r := e.Skiff("logs", "new").Success(t); r.Stdout+r.Stderr != "" {
		t.Errorf("logs of a created container: %q %q", r.Stdout, r.Stderr)
	}
	e.Skiff("run", "-t", "--name", "tty", img, "sh", "-c", "echo to-err >&2").Success(t)
	if r := e.Skiff("logs", "tty").Success(t); r.Stdout != "to-err\r\n" || r.Stderr != "" {
		t.Errorf("logs of a tty container: %q %q", r.Stdout, r.Stderr)
	}
	// restarted containers append
	e.Skiff("start", "-a", "l").Success(t)
	if got := e.Skiff("logs", "l").Success(t).Stdout; got != "out1\nout2\nno newlineout1\nout2\nno newline" {
		t.Errorf("logs after a second run: %q", got)
	}
}

// logs -f streams until the container stops.
func TestLogsFollow(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "f", img, "sh", "-c", "echo first; sleep 100").Success(t)
	waitLog(e, "f", "first")
	cmd := e.Cmd("logs", "-f", "f")
	out := &lockedWriter{w: &strings.Builder{}}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "first", func() bool { return strings.Contains(out.String(), "first") })
	// new output arrives while following
	e.Skiff("exec", "f", "sh", "-c", "echo via-exec > /proc/1/fd/1").Success(t)
	waitUntil(t, 20*time.Second, "via-exec", func() bool { return strings.Contains(out.String(), "via-exec") })
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		t.Fatal("logs -f ended while the container runs")
	case <-time.After(300 * time.Millisecond):
	}
	e.Skiff("kill", "f").Success(t)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("logs -f: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("logs -f did not end when the container stopped")
	}
	if got := out.String(); got != "first\nvia-exec\n" {
		t.Errorf("logs -f printed %q", got)
	}
	// -f on a stopped container prints and returns; --tail with -f
	if got := e.Skiff("logs", "-f", "--tail", "1", "f").Success(t).Stdout; got != "via-exec\n" {
		t.Errorf("logs -f --tail 1 of a stopped container = %q", got)
	}
	// -f of a --rm container ends when it is removed
	e.Skiff("run", "-d", "--rm", "--name", "gone", img, "sh", "-c", "echo bye; sleep 0.5").Success(t)
	if got := e.Skiff("logs", "-f", "gone").Stdout; got != "bye\n" {
		t.Errorf("logs -f of a --rm container: %q", got)
	}
	// logs -f ends at the exit; the removal follows
	waitUntil(t, 20*time.Second, "the --rm container to be removed", func() bool {
		return !strings.Contains(e.Skiff("ps", "-a", "--format", "{{.Names}}").Stdout, "gone")
	})
}

// --log-opt max-size/max-file rotate the json-file log as docker does and
// logs reads across the files; --log-driver none keeps no log.
func TestLogRotation(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	script := "i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done"
	e.Skiff("run", "--name", "rot", "--log-opt", "max-size=1k", "--log-opt", "max-file=3", img, "sh", "-c", script).Success(t)
	id := inspectField(e, "rot", "{{.Id}}")
	dir := filepath.Join(e.Root, "skiff", "containers", id)
	for _, f := range []string{"ctr.log", "ctr.log.1", "ctr.log.2"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() > 1024 {
			t.Errorf("%s: %v, %v", f, st, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ctr.log.3")); err == nil {
		t.Error("more files than max-file")
	}
	lines := e.Skiff("logs", "rot").Success(t).Lines()
	if len(lines) < 20 || lines[len(lines)-1] != "line199" {
		t.Fatalf("logs across the rotated files: %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	first := 0
	fmt.Sscanf(lines[0], "line%d", &first)
	for i, l := range lines {
		if l != fmt.Sprintf("line%d", first+i) {
			t.Fatalf("logs out of order at %d: %q", i, l)
		}
	}
	if got := e.Skiff("logs", "--tail", "3", "rot").Success(t).Out(); got != "line197\nline198\nline199" {
		t.Errorf("logs --tail 3: %q", got)
	}
	if got := inspectField(e, "rot", "{{json .HostConfig.LogConfig}}"); got != `{"Type":"json-file","Config":{"max-file":"3","max-size":"1k"}}` {
		t.Errorf("inspect: %s", got)
	}
	e.Skiff("run", "--name", "nolog", "--log-driver", "none", img, "echo", "hi").Success(t)
	oneErrorLine(t, e.Skiff("logs", "nolog"), "does not support reading")
	if _, err := os.Stat(filepath.Join(e.Root, "skiff", "containers", inspectField(e, "nolog", "{{.Id}}"), "ctr.log")); err == nil {
		t.Error("--log-driver none wrote a log")
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--log-driver", "syslog", img, "true"), `logging driver "syslog" is not supported`)
	oneErrorLine(t, e.Skiff("run", "--rm", "--log-opt", "max-file=2", img, "true"), "max-file needs max-size")
	oneErrorLine(t, e.Skiff("run", "--rm", "--log-opt", "max-size=big", img, "true"), "invalid --log-opt max-size")
}
