package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/runtime/attach"
)

// parentPid is field 4 of /proc/PID/stat.
func parentPid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// kill -9 of a container's monitor: the container goes with it, ps and
// inspect tell the truth, rm cleans everything up.
func TestMonitorKilled(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--name", "victim", img, "sleep", "100").Success(t).Out()
	pid := pidOf(e, id)
	monitor := parentPid(t, pid)
	if err := syscall.Kill(monitor, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the container to die with its monitor", func() bool { return !alive(pid) })
	if got := e.Skiff("ps", "-q").Out(); got != "" {
		t.Errorf("ps still lists the container: %q", got)
	}
	if got := e.Skiff("ps", "-a", "--format", "{{.State}} {{.Status}}").Out(); !strings.HasPrefix(got, "exited Exited (") {
		t.Errorf("ps -a: %q", got)
	}
	if got := inspectField(e, id, "{{.State.Status}} {{.State.Running}} {{.State.Pid}}"); got != "exited false 0" {
		t.Errorf("inspect state: %q", got)
	}
	if msg := inspectField(e, id, "{{.State.Error}}"); !strings.Contains(msg, "monitor") {
		t.Errorf("State.Error = %q, want the monitor's death explained", msg)
	}
	e.Skiff("wait", id).Success(t)
	e.Skiff("rm", id).Success(t)
	if left := containerFiles(e, id); len(left) > 0 {
		t.Errorf("rm left %v", left)
	}
	noContainers(e)
	// the name is free again
	e.Skiff("run", "--rm", "--name", "victim", img, "true").Success(t)
}

// kill -9 of the CLI: the container does not depend on it.
func TestCLIKilled(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	cmd := e.Cmd("run", "--name", "orphan", img, "sh", "-c", "echo up; sleep 100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitLog(e, "orphan", "up")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	time.Sleep(200 * time.Millisecond)
	if got := e.Skiff("ps", "--format", "{{.Names}} {{.State}}").Out(); got != "orphan running" {
		t.Errorf("ps after kill -9 of run: %q", got)
	}
	pid := pidOf(e, "orphan")
	e.Skiff("stop", "-t", "1", "orphan").Success(t)
	if alive(pid) {
		t.Errorf("process %d alive after stop", pid)
	}
	id := inspectField(e, "orphan", "{{.Id}}")
	e.Skiff("rm", "orphan").Success(t)
	if left := containerFiles(e, id); len(left) > 0 {
		t.Errorf("rm left %v", left)
	}
	// run --rm whose CLI died: the monitor still removes the container
	cmd = e.Cmd("run", "--rm", "--name", "rmorphan", img, "sh", "-c", "echo up; sleep 1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitLog(e, "rmorphan", "up")
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	waitUntil(t, 20*time.Second, "the --rm container to be removed", func() bool { return allRemoved(e) })
	noContainers(e)
	// rm -f of a container whose CLI and monitor are both gone
	id = e.Skiff("run", "-d", img, "sleep", "100").Success(t).Out()
	pid = pidOf(e, id)
	_ = syscall.Kill(parentPid(t, pid), syscall.SIGKILL)
	e.Skiff("rm", "-f", id).Success(t)
	waitUntil(t, 10*time.Second, "the process to end", func() bool { return !alive(pid) })
	noContainers(e)
}

// Two runs with one name at once: exactly one wins, the other gets one
// clear line.
func TestRunNameRace(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for round := range 5 {
		name := fmt.Sprintf("race%d", round)
		var wg sync.WaitGroup
		results := make([]Result, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.Skiff("run", "-d", "--name", name, img, "sleep", "100")
			}()
		}
		wg.Wait()
		won, lost := 0, 0
		for _, r := range results {
			switch {
			case r.Code == 0 && fullID.MatchString(r.Out()):
				won++
			case r.Code == 125 && strings.Count(r.Stderr, "\n") == 1 && strings.Contains(r.Stderr, `"/`+name+`" is already in use`):
				lost++
			default:
				t.Errorf("round %d: exit %d, stdout %q, stderr %q", round, r.Code, r.Stdout, r.Stderr)
			}
		}
		if won != 1 || lost != 1 {
			t.Errorf("round %d: %d won, %d lost", round, won, lost)
		}
	}
	if n := len(psAll(e)); n != 5 {
		t.Errorf("%d containers, want one per round", n)
	}
	e.Skiff("rm", "-f", "race0", "race1", "race2", "race3", "race4").Success(t)
	noContainers(e)
}

// 16 parallel run --rm complete without any error and leave nothing.
func TestParallelRunRm(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	var wg sync.WaitGroup
	results := make([]Result, 16)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.Skiff("run", "--rm", img, "sh", "-c", "echo run-"+strconv.Itoa(i))
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 || r.Stderr != "" || r.Out() != "run-"+strconv.Itoa(i) {
			t.Errorf("run %d: exit %d, stdout %q, stderr %q", i, r.Code, r.Stdout, r.Stderr)
		}
	}
	noContainers(e)
}

// Bad input: one line on stderr, the documented exit code, nothing
// created or left behind.
func TestRunBadInputLeavesNothing(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("create", "--name", "taken", img, "true").Success(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--no-such-flag", img}, 125, "unknown flag: --no-such-flag"},
		{[]string{"-Z", img}, 125, "unknown flag: -Z"},
		{[]string{"--stop-timeout", "soon", img}, 125, `invalid argument "soon" for "--stop-timeout" flag`},
		{[]string{"--stop-signal", "SIGNOPE", img, "true"}, 125, "SIGNOPE"},
		{[]string{"--restart", "sometimes", img, "true"}, 125, "sometimes"},
		{[]string{"--pull", "perhaps", img, "true"}, 125, "perhaps"},
		{[]string{"-l", "=v", img, "true"}, 125, "label"},
		{[]string{"-e", "=v", img, "true"}, 125, "=v"},
		{[]string{"-w", "rel/dir", img, "true"}, 125, "rel/dir"},
		{[]string{"--name", "bad name", img, "true"}, 125, "invalid container name"},
		{[]string{"--rm", "--restart", "always", img, "true"}, 125, "--restart and --rm"},
		{[]string{"--pull", "never", "no/such/image"}, 125, "No such image"},
		{[]string{"--name", "taken", img, "true"}, 125, `"/taken" is already in use`},
		{[]string{img, "no-such-command"}, 127, "no-such-command"},
		{[]string{"--rm", img, "no-such-command"}, 127, "no-such-command"},
		{[]string{"-d", img, "no-such-command"}, 127, "no-such-command"},
		{[]string{img, "/etc/hostname"}, 126, "permission denied"},
		{[]string{"-u", "ghost", img, "true"}, 125, "ghost"},
		{[]string{}, 125, "requires at least 1 argument"},
	} {
		r := e.Skiff(append([]string{"run"}, tc.args...)...).Fail(t, tc.code, tc.msg)
		if strings.Count(r.Stderr, "\n") != 1 || !strings.HasPrefix(r.Stderr, "Error: ") || r.Stdout != "" {
			t.Errorf("run %v: stdout %q, stderr %q; want one Error line and no output", tc.args, r.Stdout, r.Stderr)
		}
	}
	if got := e.Skiff("ps", "-a", "--format", "{{.Names}}").Out(); got != "taken" {
		t.Errorf("containers left by the failed runs: %q", got)
	}
	e.Skiff("rm", "taken").Success(t)
	noContainers(e)
	// and create alike
	e.Skiff("create", "--bogus", img).Fail(t, 125, "unknown flag")
	e.Skiff("create", "--pull", "never", "nope").Fail(t, 125, "No such image")
	noContainers(e)
}

// A client that offered to clean up after the exit (as run and start -a
// do) but went away before confirming, as a CLI killed at that moment, or
// stays silent, as a stopped one: the monitor's cleanup role does the
// work, --rm included.
func TestCleanupHandoverAbandoned(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	offer := func(id string) net.Conn {
		conn, err := attach.Dial(filepath.Join(e.RunRoot, "skiff", "containers", id, "attach.sock"))
		if err != nil {
			t.Fatal(err)
		}
		if err := attach.WriteHello(conn, attach.Hello{Stdout: true, Cleanup: true}); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	reaped := func(conn net.Conn) {
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		for {
			kind, payload, err := attach.ReadFrame(conn)
			if err != nil {
				t.Fatalf("waiting for the exit report: %v", err)
			}
			if kind == attach.KindReaped {
				r, err := attach.ParseReaped(payload)
				if err != nil || r.Code != 7 || time.Since(r.Finished) > time.Minute {
					t.Errorf("exit report %q: %+v %v", payload, r, err)
				}
				return
			}
		}
	}
	// each exits once told to, after the offers are made (a container
	// exiting before its offer is removed with nobody to see it)
	script := "while [ ! -e /go ]; do sleep 0.1; done; exit 7"
	gone := e.Skiff("run", "-d", "--rm", img, "sh", "-c", script).Success(t).Out()
	silent := e.Skiff("run", "-d", "--rm", img, "sh", "-c", script).Success(t).Out()
	c1, c2 := offer(gone), offer(silent)
	e.Skiff("exec", gone, "touch", "/go").Success(t)
	e.Skiff("exec", silent, "touch", "/go").Success(t)
	defer c2.Close()
	reaped(c1)
	c1.Close() // without KindCleanedUp
	waitUntil(t, 20*time.Second, "the --rm container whose client went away to be removed", func() bool {
		return len(containerFiles(e, gone)) == 0
	})
	reaped(c2) // and no answer
	waitUntil(t, 30*time.Second, "the --rm container whose client stays silent to be removed", func() bool {
		return len(containerFiles(e, silent)) == 0
	})
	noContainers(e)
}
