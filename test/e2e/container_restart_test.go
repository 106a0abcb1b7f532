package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Restart policies against the user's verbs (issue #9): a container the
// user stops (stop, kill, rm -f) is not restarted by its policy until it
// is started again by hand, and rm -f wins whatever the monitor is doing.

// crashLoop runs a --restart=always container that exits 3 at once until
// the file "up" appears in the returned directory (mounted at /ctl), then
// sleeps; it returns once the back-off between restarts has reached 3.2 s
// (loopRestarts), so that the next commands find it restarting. The
// busybox image must be loaded.
func crashLoop(e *Env, name string, args ...string) (id, ctl string) {
	e.T.Helper()
	ctl = e.Mkdir("ctl-" + name)
	run := append([]string{"run", "-d", "--name", name, "--restart", "always", "-v", ctl + ":/ctl"}, args...)
	run = append(run, BusyboxImage, "sh", "-c", "echo run >> /ctl/runs; [ -e /ctl/up ] && exec sleep 300; exit 3")
	id = e.Skiff(run...).Success(e.T).Out()
	waitRestarting(e, name, loopRestarts)
	return id, ctl
}

// loopRestarts is how many restarts crashLoop waits for: the back-off is
// 3.2 s from the sixth on.
const loopRestarts = 6

// waitRestarting waits until the container waits out a back-off after at
// least n restarts.
func waitRestarting(e *Env, name string, n int) {
	e.T.Helper()
	waitUntil(e.T, 60*time.Second, fmt.Sprintf("%s restarting after %d restarts", name, n), func() bool {
		var status string
		var count int
		_, err := fmt.Sscan(inspectField(e, name, "{{.State.Status}} {{.RestartCount}}"), &status, &count)
		return err == nil && status == "restarting" && count >= n
	})
}

// stays checks that the container keeps its status and restart count for
// longer than the restart policy's first back-offs.
func stays(e *Env, name, want string) {
	e.T.Helper()
	for range 3 {
		time.Sleep(500 * time.Millisecond)
		if got := inspectField(e, name, "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}"); got != want {
			e.T.Fatalf("%s: %q, want %q: restarted after a user stop?", name, got, want)
		}
	}
}

// crash kills the container's process from outside skiff, as a crash
// would: not a user stop.
func crash(e *Env, name string) {
	e.T.Helper()
	if err := syscall.Kill(pidOf(e, name), syscall.SIGKILL); err != nil {
		e.T.Fatal(err)
	}
}

// startWait runs `wait name` in the background, gives it a second to
// look the container up, and returns a check of what it prints.
func startWait(e *Env, name string) (check func(want, what string)) {
	e.T.Helper()
	w := e.Cmd("wait", name)
	var out syncBuffer
	w.Stdout = &out
	if err := w.Start(); err != nil {
		e.T.Fatal(err)
	}
	time.Sleep(time.Second)
	return func(want, what string) {
		e.T.Helper()
		if err := w.Wait(); err != nil || strings.TrimSpace(out.String()) != want {
			e.T.Errorf("wait on %s: %q, %v; want %s", what, out.String(), err, want)
		}
	}
}

// --restart=always then stop, start, crash, kill, start, rm -f, as a user
// types them: stop and kill keep it down, start brings the policy back.
func TestRestartAlwaysUserStops(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	loop := "trap 'exit 0' TERM; echo up; while :; do sleep 0.1; done"
	id := e.Skiff("run", "-d", "--name", "ra", "--restart=always", "--network", "none", img, "sh", "-c", loop).Success(t).Out()
	waitLog(e, "ra", "up")
	if got := e.Skiff("stop", "ra").Success(t).Out(); got != "ra" {
		t.Errorf("stop printed %q", got)
	}
	stays(e, "ra", "exited 0 0")
	if _, mon := containerState(t, e, id); mon != 0 {
		t.Errorf("a stopped container keeps monitor %d", mon)
	}
	// started by hand: the policy is back, and restarts it after a crash
	e.Skiff("start", "ra").Success(t)
	first := pidOf(e, "ra")
	crash(e, "ra")
	waitUntil(t, 20*time.Second, "the restart after the crash", func() bool {
		return inspectField(e, "ra", "{{.State.Status}} {{.RestartCount}}") == "running 1"
	})
	if again := pidOf(e, "ra"); again == first {
		t.Errorf("the same process %d after the restart", again)
	}
	if got := inspectField(e, "ra", "{{.State.ExitCode}} {{.State.Restarting}}"); got != "0 false" {
		t.Errorf("running again: ExitCode Restarting = %q", got)
	}
	// kill: stopped by the user too
	e.Skiff("kill", "ra").Success(t)
	stays(e, "ra", "exited 137 1")
	if got := e.Skiff("ps", "-a", "--format", "{{.Status}}").Out(); !strings.HasPrefix(got, "Exited (137) ") {
		t.Errorf("ps after kill: %q", got)
	}
	// a start by hand clears the restart count, as docker's does
	e.Skiff("start", "ra").Success(t)
	if got := inspectField(e, "ra", "{{.State.Status}} {{.RestartCount}}"); got != "running 0" {
		t.Errorf("after start: %q", got)
	}
	r := e.Skiff("rm", "-f", "ra").Success(t)
	if r.Out() != "ra" || r.Stderr != "" {
		t.Errorf("rm -f: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	noContainers(e)
}

// kill counts as a user stop for SIGKILL and the stop signal (or any
// signal when there is no stop signal of its own): another signal leaves
// the policy in force, as in docker. unless-stopped and on-failure stay
// down after a user stop too.
func TestRestartKillSignals(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	traps := "trap 'exit 7' USR1; trap 'exit 8' TERM; echo up; while :; do sleep 0.1; done"
	e.Skiff("run", "-d", "--name", "sig", "--restart", "always", "--stop-signal", "USR1", "--network", "none", img, "sh", "-c", traps).Success(t)
	waitLog(e, "sig", "up")
	e.Skiff("kill", "-s", "TERM", "sig").Success(t)
	waitUntil(t, 20*time.Second, "the restart after kill -s TERM", func() bool {
		return inspectField(e, "sig", "{{.State.Status}} {{.RestartCount}}") == "running 1"
	})
	waitUntil(t, 20*time.Second, "the second run's traps", func() bool {
		return strings.Count(e.Skiff("logs", "sig").Stdout, "up") == 2
	})
	e.Skiff("kill", "-s", "USR1", "sig").Success(t)
	waitStatus(e, "sig", "exited")
	stays(e, "sig", "exited 7 1")

	for _, policy := range []string{"unless-stopped", "on-failure"} {
		name := strings.TrimSuffix(policy, "-stopped")
		e.Skiff("run", "-d", "--name", name, "--restart", policy, "--network", "none", img, "sleep", "300").Success(t)
		e.Skiff("stop", "-t", "1", name).Success(t)
		stays(e, name, "exited 137 0")
		e.Skiff("start", name).Success(t)
		e.Skiff("kill", name).Success(t)
		stays(e, name, "exited 137 0")
	}
}

// A container waiting out its restart back-off: inspect and ps show it
// restarting as docker does; pause, exec, attach and top refuse; start
// leaves it be; restart starts it at once; wait returns at its next exit;
// stop ends the back-off at once and keeps it down.
func TestRestartingContainer(t *testing.T) {
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	id, ctl := crashLoop(e, "loop", "--network", "none")
	got := inspectField(e, "loop", "{{.State.Status}} {{.State.Running}} {{.State.Restarting}} {{.State.Pid}} {{.State.ExitCode}}")
	if got != "restarting true true 0 3" {
		t.Errorf("inspect of a restarting container: %q", got)
	}
	status := e.Skiff("ps", "--format", "{{.Names}} {{.Status}}").Out()
	if !regexp.MustCompile(`^loop Restarting \(3\) (Less than a second|\d+ seconds?) ago$`).MatchString(status) {
		t.Errorf("ps: %q", status)
	}
	if got := e.Skiff("ps", "-q", "--no-trunc", "--filter", "status=restarting").Out(); got != id {
		t.Errorf("ps --filter status=restarting: %q", got)
	}
	// Each check starts inside a back-off: under load a few commands can
	// outlast one, and between two back-offs the container briefly runs.
	const busy = "is restarting, wait until the container is running"
	waitRestarting(e, "loop", loopRestarts)
	e.Skiff("pause", "loop").Fail(t, 1, busy)
	waitRestarting(e, "loop", loopRestarts)
	e.Skiff("exec", "loop", "true").Fail(t, 1, busy)
	waitRestarting(e, "loop", loopRestarts)
	e.Skiff("top", "loop").Fail(t, 125, busy)
	waitRestarting(e, "loop", loopRestarts)
	e.Skiff("attach", "loop").Fail(t, 125, "cannot attach to a restarting container")
	waitRestarting(e, "loop", loopRestarts)
	if got := e.Skiff("start", "loop").Success(t).Out(); got != "loop" {
		t.Errorf("start of a restarting container printed %q", got)
	}

	// restart: at once, by hand (the count starts again)
	e.WriteFile(filepath.Join("ctl-loop", "up"), "")
	if got := e.Skiff("restart", "loop").Success(t).Out(); got != "loop" {
		t.Errorf("restart printed %q", got)
	}
	if got := inspectField(e, "loop", "{{.State.Status}} {{.RestartCount}}"); got != "running 0" {
		t.Errorf("after restart: %q", got)
	}

	// wait returns at the next exit, one the policy restarts included
	waited := startWait(e, "loop")
	if err := os.Remove(filepath.Join(ctl, "up")); err != nil {
		t.Fatal(err)
	}
	crash(e, "loop")
	waited("137", "a crashing container")
	waitRestarting(e, "loop", loopRestarts)

	// wait on a restarting container, then stop: wait reports the last
	// exit, stop ends the back-off at once and the container stays down
	waited = startWait(e, "loop")
	_, backoff := containerState(t, e, id)
	e.Skiff("stop", "loop").Success(t)
	waited("3", "a restarting container stopped")
	count := inspectField(e, "loop", "{{.RestartCount}}")
	stays(e, "loop", "exited 3 "+count)
	if backoff <= 0 || alive(backoff) {
		t.Errorf("the process waiting out the back-off (%d) outlived stop", backoff)
	}
	if ps := e.Skiff("ps", "-a", "--format", "{{.Status}}").Out(); !strings.HasPrefix(ps, "Exited (3) ") {
		t.Errorf("ps after stop: %q", ps)
	}
	// kill of a restarting container is a stop too
	e.Skiff("start", "loop").Success(t)
	waitRestarting(e, "loop", loopRestarts)
	e.Skiff("kill", "loop").Success(t)
	after := inspectField(e, "loop", "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}")
	if !strings.HasPrefix(after, "exited ") {
		t.Fatalf("kill of a restarting container: %q", after)
	}
	stays(e, "loop", after)
	e.Skiff("rm", "loop").Success(t)
	noContainers(e)
}

// rm -f of a container waiting out its back-off, on a user network:
// removed at once with exit 0, the waiting process gone, the network
// free again; wait reports the last exit code.
func TestRestartRmForceDuringBackoff(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("network", "create", "rnet").Success(t)
	id, _ := crashLoop(e, "gone", "--network", "rnet")
	_, backoff := containerState(t, e, id)
	since := time.Now().UTC().Format(time.RFC3339Nano)
	waited := startWait(e, "gone")
	r := e.Skiff("rm", "-f", "gone").Success(t)
	if r.Out() != "gone" || r.Stderr != "" {
		t.Errorf("rm -f: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	// 3, unless the back-off ran out first and rm -f killed a new run
	dies := e.Skiff("events", "--since", since, "--until", time.Now().UTC().Format(time.RFC3339Nano), "--filter", "container="+id,
		"--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}}").Success(t).Lines()
	last := "3"
	if len(dies) > 0 {
		last = dies[len(dies)-1]
	}
	waited(last, "a container removed in its back-off")
	if backoff <= 0 || alive(backoff) {
		t.Errorf("the process waiting out the back-off (%d) outlived rm -f", backoff)
	}
	if left := containerFiles(e, id); len(left) > 0 {
		t.Errorf("rm -f left %v", left)
	}
	e.Skiff("network", "rm", "rnet").Success(t)
	// and a running one: wait reports the kill
	e.Skiff("run", "-d", "--name", "up", "--restart", "always", "--network", "none", img, "sleep", "300").Success(t)
	waited = startWait(e, "up")
	e.Skiff("rm", "-f", "up").Success(t)
	waited("137", "a container removed with rm -f")
	noContainers(e)
}

// restart keeps a --rm container, as docker does; its next exit removes
// it.
func TestRestartKeepsAutoRemove(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--rm", "--name", "tmp", "--network", "none", img, "sleep", "300").Success(t)
	first := pidOf(e, "tmp")
	e.Skiff("restart", "-t", "0", "tmp").Success(t)
	if got := inspectField(e, "tmp", "{{.State.Status}}"); got != "running" || pidOf(e, "tmp") == first {
		t.Errorf("after restart: %s, pid %d (was %d)", got, pidOf(e, "tmp"), first)
	}
	e.Skiff("stop", "-t", "0", "tmp").Success(t)
	waitUntil(t, 20*time.Second, "--rm to remove it", func() bool { return e.Skiff("ps", "-aq").Out() == "" })
	noContainers(e)
}

// rm -f racing the monitor's restart, hundreds of times: at every moment
// of a crash loop (running, exiting, recording, backing off, starting,
// mid-health-check) rm -f removes the container at once with exit 0 and
// leaves nothing behind.
func TestRestartRmForceRace(t *testing.T) {
	Require(t, "slow")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for i := range 300 {
		name := "race" + strconv.Itoa(i)
		args := []string{"run", "-d", "--name", name, "--restart", "always", "--network", "none"}
		switch i % 3 {
		case 0: // crashes at once
			args = append(args, img, "sh", "-c", "exit 1")
		case 1: // health checks all the time
			args = append(args, "--health-cmd", "sleep 0.05", "--health-interval", "20ms", img, "sleep", "0.3")
		case 2: // exits 0, which always restarts too
			args = append(args, img, "sleep", "0.05")
		}
		e.Skiff(args...).Success(t)
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		r := e.Skiff("rm", "-f", name)
		if r.Code != 0 || r.Out() != name || r.Stderr != "" {
			t.Fatalf("round %d: rm -f: exit %d, stdout %q, stderr %q", i, r.Code, r.Stdout, r.Stderr)
		}
	}
	noContainers(e)
	if left := skiffProcesses(e); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

// skiffProcesses lists the skiff processes (monitors, cleanup and health
// roles) of this test's containers that still run.
func skiffProcesses(e *Env) []string {
	var left []string
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || !alive(pid) {
			continue
		}
		b, _ := os.ReadFile(filepath.Join("/proc", ent.Name(), "environ"))
		a, _ := os.ReadFile(filepath.Join("/proc", ent.Name(), "cmdline"))
		if strings.Contains(string(b), "_SKIFF_RUNDIR="+e.RunRoot) || strings.Contains(string(a), e.RunRoot+"/skiff/containers/") {
			left = append(left, ent.Name()+" "+strings.ReplaceAll(string(a), "\x00", " "))
		}
	}
	return left
}
