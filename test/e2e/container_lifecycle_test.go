package e2e

import (
	"strings"
	"testing"
	"time"
)

// create, start, stop, restart, kill, rm, wait: states, outputs and exit
// codes as docker has them.
func TestContainerLifecycle(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("create", "--name", "life", img, "sh", "-c", "trap 'echo bye; exit 3' TERM; echo started; while :; do sleep 0.1; done").Success(t).Out()
	if !fullID.MatchString(id) {
		t.Fatalf("create printed %q", id)
	}
	if got := inspectField(e, "life", "{{.State.Status}} {{.State.Pid}} {{.State.StartedAt}}"); got != "created 0 0001-01-01T00:00:00Z" {
		t.Errorf("created: %q", got)
	}
	if got := e.Skiff("start", "life").Success(t).Out(); got != "life" {
		t.Errorf("start printed %q, want the argument", got)
	}
	waitLog(e, "life", "started")
	if got := inspectField(e, "life", "{{.State.Status}} {{.State.Running}}"); got != "running true" {
		t.Errorf("started: %q", got)
	}
	e.Skiff("start", "life").Success(t) // already running: no error, as in docker
	start := time.Now()
	if got := e.Skiff("stop", "life").Success(t).Out(); got != "life" {
		t.Errorf("stop printed %q", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop took %v though the container exits on SIGTERM", d)
	}
	if got := inspectField(e, "life", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.State.Pid}}"); got != "exited 3 false 0" {
		t.Errorf("stopped: %q", got)
	}
	waitLog(e, "life", "bye")
	e.Skiff("stop", "life").Success(t) // stopping a stopped container is fine
	if got := e.Skiff("wait", "life").Success(t).Out(); got != "3" {
		t.Errorf("wait on an exited container = %q", got)
	}
	// restart: a new process, same container
	first := inspectField(e, "life", "{{.State.StartedAt}}")
	if got := e.Skiff("restart", "-t", "2", "life").Success(t).Out(); got != "life" {
		t.Errorf("restart printed %q", got)
	}
	waitUntil(t, 20*time.Second, "the second start's trap", func() bool {
		return strings.Count(e.Skiff("logs", "life").Stdout, "started") == 2
	})
	if again := inspectField(e, "life", "{{.State.StartedAt}}"); again == first {
		t.Errorf("restart did not start the container again (StartedAt %s)", again)
	}
	// kill: SIGKILL by default, -s for another signal
	e.Skiff("kill", "-s", "TERM", "life").Success(t)
	if got := e.Skiff("wait", "life").Success(t).Out(); got != "3" {
		t.Errorf("kill -s TERM: exit %q, want the trap's 3", got)
	}
	e.Skiff("kill", "life").Fail(t, 1, "is not running")
	e.Skiff("start", "life").Success(t)
	e.Skiff("rm", "life").Fail(t, 1, "stop the container before removing or force remove")
	e.Skiff("kill", "life").Success(t)
	if got := e.Skiff("wait", "life").Success(t).Out(); got != "137" {
		t.Errorf("kill: exit %q, want 137", got)
	}
	if got := e.Skiff("rm", "life").Success(t).Out(); got != "life" {
		t.Errorf("rm printed %q", got)
	}
	if left := containerFiles(e, id); len(left) > 0 {
		t.Errorf("rm left %v", left)
	}
	e.Skiff("rm", "life").Fail(t, 1, "No such container: life")
	noContainers(e)
}

// Bulk verbs print each success on stdout, each failure on stderr, and
// exit 1 when any failed; rm -f removes running containers.
func TestContainerBulkVerbs(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	a := e.Skiff("run", "-d", "--name", "a", img, "sleep", "100").Success(t).Out()
	e.Skiff("run", "-d", "--name", "b", img, "sleep", "100").Success(t)
	r := e.Skiff("kill", "a", "nosuch", "b")
	if r.Code != 1 || r.Stdout != "a\nb\n" || !strings.Contains(r.Stderr, "No such container: nosuch") {
		t.Errorf("kill a nosuch b: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	r = e.Skiff("wait", "a", "b")
	if r.Code != 0 || r.Stdout != "137\n137\n" {
		t.Errorf("wait a b: %d %q", r.Code, r.Stdout)
	}
	e.Skiff("start", "a", "b").Success(t)
	r = e.Skiff("rm", "-f", a[:12], "b", "nosuch")
	if r.Code != 1 || r.Stdout != a[:12]+"\nb\n" || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("rm -f: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	noContainers(e)
}

// --stop-signal and the image's STOPSIGNAL choose the signal stop sends;
// --stop-timeout (and stop -t) how long it waits before SIGKILL.
func TestStopSignalAndTimeout(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	loop := "trap 'echo got-usr1; exit 7' USR1; trap 'echo got-term; exit 8' TERM; echo ready; while :; do sleep 0.1; done"
	e.Skiff("run", "-d", "--name", "sig", "--stop-signal", "SIGUSR1", img, "sh", "-c", loop).Success(t)
	waitLog(e, "sig", "ready")
	e.Skiff("stop", "sig").Success(t)
	if got := inspectField(e, "sig", "{{.State.ExitCode}} {{.Config.StopSignal}}"); got != "7 SIGUSR1" {
		t.Errorf("--stop-signal SIGUSR1: %q", got)
	}
	importImage(e, "stopimg", "STOPSIGNAL USR1")
	e.Skiff("run", "-d", "--name", "imgsig", "stopimg", "sh", "-c", loop).Success(t)
	waitLog(e, "imgsig", "ready")
	e.Skiff("stop", "imgsig").Success(t)
	if got := inspectField(e, "imgsig", "{{.State.ExitCode}}"); got != "7" {
		t.Errorf("image STOPSIGNAL: exit %q, want 7", got)
	}
	// stop -s overrides both
	e.Skiff("start", "imgsig").Success(t)
	waitUntil(t, 20*time.Second, "the second run's traps", func() bool {
		return strings.Count(e.Skiff("logs", "imgsig").Stdout, "ready") == 2
	})
	e.Skiff("stop", "-s", "TERM", "imgsig").Success(t)
	if got := inspectField(e, "imgsig", "{{.State.ExitCode}}"); got != "8" {
		t.Errorf("stop -s TERM: exit %q, want 8", got)
	}
	// a process that ignores the signal: SIGKILL after the timeout
	e.Skiff("run", "-d", "--name", "slow", "--stop-timeout", "1", img, "sleep", "100").Success(t)
	start := time.Now()
	e.Skiff("stop", "slow").Success(t)
	if d := time.Since(start); d < time.Second || d > 6*time.Second {
		t.Errorf("stop with --stop-timeout 1 took %v", d)
	}
	if got := inspectField(e, "slow", "{{.State.ExitCode}} {{.Config.StopTimeout}}"); got != "137 1" {
		t.Errorf("after the timeout: %q", got)
	}
	e.Skiff("start", "slow").Success(t)
	start = time.Now()
	e.Skiff("stop", "-t", "0", "slow").Success(t)
	if d := time.Since(start); d > 8*time.Second { // far from docker's 10 s default: -t 0 was not ignored
		t.Errorf("stop -t 0 took %v", d)
	}
	e.Skiff("run", "--rm", "--stop-signal", "NOSUCHSIG", img, "true").Fail(t, 125, "NOSUCHSIG")
}

// --init: PID 1 is skiff's reaper; it forwards signals and reaps
// orphans.
func TestRunInit(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	out := e.Skiff("run", "--rm", "--init", img, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$").Success(t).Out()
	lines := strings.Split(out, "\n")
	if len(lines) != 2 || strings.TrimSpace(lines[0]) != "skiff-init" || lines[1] == "1" {
		t.Errorf("--init: PID 1 %q, the command's pid %s", lines[0], lines[len(lines)-1])
	}
	if got := e.Skiff("run", "--rm", img, "sh", "-c", "echo $$").Success(t).Out(); got != "1" {
		t.Errorf("without --init the command is PID 1, got %s", got)
	}
	// orphans are reaped: no zombie after their parent is gone
	script := "(sleep 0.2 &) ; (sleep 0.2 &) ; sleep 1; ps -o stat | grep -c Z || true"
	if got := e.Skiff("run", "--rm", "--init", img, "sh", "-c", script).Success(t).Out(); got != "0" {
		t.Errorf("zombies under --init: %s", got)
	}
	// signals reach the command: sleep (no handler) dies of SIGTERM at once
	e.Skiff("run", "-d", "--init", "--name", "init", img, "sleep", "100").Success(t)
	start := time.Now()
	e.Skiff("stop", "-t", "10", "init").Success(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop of an --init container took %v: SIGTERM not forwarded", d)
	}
	if got := inspectField(e, "init", "{{.State.ExitCode}} {{.HostConfig.Init}}"); got != "143 true" {
		t.Errorf("--init after SIGTERM: %q, want exit 143", got)
	}
	// the exit code passes through the reaper
	e.Skiff("run", "--rm", "--init", img, "sh", "-c", "exit 5").Fail(t, 5, "")
}

// --pull: missing pulls only what is not there, always pulls every time,
// never fails on a missing image.
func TestRunPullPolicies(t *testing.T) {
	t.Parallel()
	e := New(t)
	ref := RegistryImage(t, "busybox")
	e.RegistriesConf("")
	e.Skiff("run", "--rm", "--pull", "never", ref, "true").Fail(t, 125, "No such image")
	r := e.Skiff("run", "--rm", ref, "echo", "pulled").Success(t)
	if r.Out() != "pulled" || !strings.Contains(r.Stderr, "Unable to find image") {
		t.Errorf("--pull missing (default): stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	r = e.Skiff("run", "--rm", "--pull", "missing", ref, "true").Success(t)
	if r.Stderr != "" {
		t.Errorf("--pull missing with the image present wrote %q", r.Stderr)
	}
	e.Skiff("run", "--rm", "--pull", "never", ref, "true").Success(t)
	r = e.Skiff("run", "--rm", "--pull", "always", ref, "true").Success(t)
	if !strings.Contains(r.Stderr, "Pulling") && !strings.Contains(r.Stderr, "up to date") && !strings.Contains(r.Stderr, "Digest") {
		t.Errorf("--pull always did not pull: %q", r.Stderr)
	}
	e.Skiff("run", "--rm", "--pull", "sometimes", ref, "true").Fail(t, 125, "sometimes")
	e.Skiff("create", "--pull", "never", "nosuch/image").Fail(t, 125, "No such image")
	noContainers(e)
}

// The `container` group has every verb.
func TestContainerGroup(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("container", "run", "-d", "--name", "g", img, "sh", "-c", "echo hello; sleep 100").Success(t).Out()
	waitLog(e, "g", "hello")
	for _, verb := range []string{"ls", "list", "ps"} {
		if got := e.Skiff("container", verb, "-q", "--no-trunc").Out(); got != id {
			t.Errorf("container %s -q = %q", verb, got)
		}
	}
	if got := e.Skiff("container", "logs", "g").Success(t).Out(); got != "hello" {
		t.Errorf("container logs = %q", got)
	}
	if got := e.Skiff("container", "inspect", "-f", "{{.Name}}", "g").Success(t).Out(); got != "/g" {
		t.Errorf("container inspect = %q", got)
	}
	if got := e.Skiff("container", "top", "g", "-o", "pid,comm").Success(t).Lines(); len(got) < 2 {
		t.Errorf("container top = %q", got)
	}
	if got := e.Skiff("container", "exec", "g", "echo", "in").Success(t).Out(); got != "in" {
		t.Errorf("container exec = %q", got)
	}
	e.Skiff("container", "rename", "g", "h").Success(t)
	e.Skiff("container", "stop", "-t", "0", "h").Success(t)
	e.Skiff("container", "start", "h").Success(t)
	e.Skiff("container", "restart", "-t", "0", "h").Success(t)
	e.Skiff("container", "kill", "h").Success(t)
	if got := e.Skiff("container", "wait", "h").Success(t).Out(); got != "137" {
		t.Errorf("container wait = %q", got)
	}
	e.Skiff("container", "rm", "h").Success(t)
	e.Skiff("container", "create", "--name", "c", img, "true").Success(t)
	e.Skiff("container", "remove", "c").Success(t)
	e.Skiff("container", "create", img, "true").Success(t)
	if got := e.Skiff("container", "prune", "-f").Success(t).Stdout; !strings.HasPrefix(got, "Deleted Containers:\n") {
		t.Errorf("container prune -f = %q", got)
	}
	e.Skiff("container", "bogus").Fail(t, 125, "unknown command")
	help := e.Skiff("container", "--help").Success(t).Stdout
	for _, verb := range []string{"attach", "create", "exec", "inspect", "kill", "logs", "ls", "prune", "rename", "restart", "rm", "run", "start", "stop", "top", "wait"} {
		if !strings.Contains(help, "\n  "+verb+" ") {
			t.Errorf("container --help lacks %s", verb)
		}
	}
	noContainers(e)
}

// update --restart changes the policy the monitor applies at the next
// exit; update without a setting, or with a bad limit, is refused
// (limits: limits_test.go).
func TestUpdateRestart(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	// it exits (and again at each restart) once /go exists: after the
	// update, however slow the machine
	e.Skiff("run", "-d", "--name", "up", img, "sh", "-c", "while [ ! -e /go ]; do sleep 0.1; done; exit 3").Success(t)
	if got := e.Skiff("update", "--restart", "on-failure:2", "up").Success(t).Out(); got != "up" {
		t.Errorf("update printed %q", got)
	}
	e.Skiff("exec", "up", "touch", "/go").Success(t)
	if got := inspectField(e, "up", "{{json .HostConfig.RestartPolicy}}"); got != `{"Name":"on-failure","MaximumRetryCount":2}` {
		t.Errorf("RestartPolicy = %s", got)
	}
	waitUntil(t, 20*time.Second, "two restarts and the final exit", func() bool {
		return inspectField(e, "up", "{{.RestartCount}} {{.State.Status}}") == "2 exited"
	})
	oneErrorLine(t, e.Skiff("update", "up"), "provide one or more flags")
	oneErrorLine(t, e.Skiff("update", "--memory", "12q", "up"), `invalid argument "12q" for "-m, --memory" flag`)
	e.Skiff("run", "-d", "--rm", "--name", "gone", img, "sleep", "100").Success(t)
	e.Skiff("update", "--restart", "always", "gone").Fail(t, 1, "started with --rm")
}

// events lists what happened (containers, networks, volumes, images),
// filters it, formats it, and follows new events without --until.
func TestEvents(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	start := time.Now().UTC().Format(time.RFC3339Nano)
	e.Skiff("run", "--name", "ev", "-l", "tier=front", img, "sh", "-c", "exit 3").Fail(t, 3, "")
	e.Skiff("rm", "ev").Success(t)
	e.Skiff("network", "create", "evnet").Success(t)
	e.Skiff("volume", "create", "evvol").Success(t)
	e.Skiff("tag", img, "evtag:1").Success(t)
	until := time.Now().UTC().Format(time.RFC3339Nano)
	got := e.Skiff("events", "--since", start, "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}").Success(t).Out()
	want := "container create ev\ncontainer start ev\ncontainer die ev\ncontainer destroy ev\nnetwork create evnet\nvolume create \nimage tag evtag:1"
	if got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
	line := e.Skiff("events", "--since", start, "--until", until, "--filter", "event=die").Success(t).Out()
	if !strings.Contains(line, " container die ") || !strings.Contains(line, "exitCode=3") || !strings.Contains(line, "tier=front") {
		t.Errorf("events --filter event=die: %q", line)
	}
	if n := len(e.Skiff("events", "--since", start, "--until", until, "--filter", "type=network", "--format", "{{json .}}").Success(t).Lines()); n != 1 {
		t.Errorf("--filter type=network: %d events", n)
	}
	oneErrorLine(t, e.Skiff("events", "--filter", "bogus=1", "--until", until), "invalid filter")
	// exec_start and exec_die
	x := e.Skiff("run", "-d", img, "sleep", "100").Success(t).Out()
	e.Skiff("exec", x, "sh", "-c", "exit 5").Fail(t, 5, "")
	got = e.Skiff("events", "--since", start, "--until", time.Now().UTC().Format(time.RFC3339Nano), "--filter", "container="+x,
		"--filter", "event=exec_start", "--filter", "event=exec_die", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}").Success(t).Out()
	if got != "exec_start: sh -c exit 5 \nexec_die 5" {
		t.Errorf("exec events: %q", got)
	}
	e.Skiff("rm", "-f", x).Success(t)
	// following
	cmd := e.Cmd("events", "--filter", "event=start", "--format", "{{.Actor.Attributes.name}}")
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	time.Sleep(300 * time.Millisecond)
	e.Skiff("run", "--rm", "--name", "followed", img, "true").Success(t)
	waitUntil(t, 10*time.Second, "events to show the new start", func() bool { return strings.Contains(out.String(), "followed") })
}

// create --rm: the container goes when it exits, started attached or not.
func TestCreateRm(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("create", "--rm", "--name", "cr", img, "sh", "-c", "exit 6").Success(t)
	if got := inspectField(e, "cr", "{{.HostConfig.AutoRemove}}"); got != "true" {
		t.Errorf("AutoRemove = %s", got)
	}
	e.Skiff("start", "-a", "cr").Fail(t, 6, "")
	e.Skiff("create", "--rm", "--name", "cr2", img, "true").Success(t)
	e.Skiff("start", "cr2").Success(t)
	waitUntil(t, 10*time.Second, "both --rm containers to be removed", func() bool { return allRemoved(e) })
	oneErrorLine(t, e.Skiff("create", "--rm", "--restart", "always", img, "true"), "cannot specify both --restart and --rm")
}

// rm of several containers (removed several at a time) prints them in
// the order given, a missing one as an error (exit 1, the others still
// removed), skips it with --ignore, and a container named twice is
// removed once, the second naming it reported missing.
func TestRmSeveral(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for _, n := range []string{"s0", "s1", "s2", "s3", "s4"} {
		e.Skiff("create", "--name", n, img, "true").Success(t)
	}
	e.Skiff("run", "-d", "--name", "s5", img, "sleep", "100").Success(t)
	r := e.Skiff("rm", "-f", "s3", "s5", "nosuch", "s0", "s4")
	r.Fail(t, 1, "No such container: nosuch")
	if got := strings.Join(r.Lines(), " "); got != "s3 s5 s0 s4" {
		t.Errorf("rm printed %q, want the removed containers in the order given", got)
	}
	if got := strings.Join(e.Skiff("rm", "-f", "--ignore", "nosuch", "s2", "s1").Success(t).Lines(), " "); got != "s2 s1" {
		t.Errorf("rm --ignore printed %q", got)
	}
	e.Skiff("create", "--name", "twice", img, "true").Success(t)
	r = e.Skiff("rm", "twice", "twice")
	r.Fail(t, 1, "No such container: twice")
	if got := r.Out(); got != "twice" {
		t.Errorf("rm twice twice printed %q", got)
	}
	if !allRemoved(e) {
		t.Errorf("containers left: %v", psAll(e))
	}
}

// Health checks run by the monitor: starting, then healthy, then
// unhealthy after the retries; ps shows and filters it, inspect has the
// log; --no-healthcheck and the image's HEALTHCHECK.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms", "--health-retries", "2",
		"--health-start-period", "1m", img, "sh", "-c", "touch /tmp/ok; sleep 100").Success(t).Out()
	health := func() string { return inspectField(e, id, "{{.State.Health.Status}}") }
	waitUntil(t, 20*time.Second, "the container to be healthy", func() bool { return health() == "healthy" })
	if got := e.Skiff("ps", "--filter", "health=healthy", "--format", "{{.ID}} {{.Status}}").Success(t).Out(); !strings.HasPrefix(got, id[:12]+" Up ") || !strings.HasSuffix(got, "(healthy)") {
		t.Errorf("ps --filter health=healthy: %q", got)
	}
	e.Skiff("exec", id, "rm", "/tmp/ok").Success(t)
	// still in the start period: failures do not count
	time.Sleep(700 * time.Millisecond)
	if got := health(); got != "healthy" {
		t.Errorf("failures in the start period made it %s", got)
	}
	if got := inspectField(e, id, `{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Retries}}`); got != `["CMD-SHELL","test -f /tmp/ok"] 2` {
		t.Errorf("Config.Healthcheck: %s", got)
	}
	if n := len(e.Skiff("inspect", "--format", "{{range .State.Health.Log}}{{.ExitCode}} {{end}}", id).Success(t).Out()); n == 0 {
		t.Error("no health log")
	}
	e.Skiff("rm", "-f", id).Success(t)

	bad := e.Skiff("run", "-d", "--health-cmd", "exit 1", "--health-interval", "200ms", "--health-retries", "2", img, "sleep", "100").Success(t).Out()
	waitUntil(t, 20*time.Second, "the container to be unhealthy", func() bool { return inspectField(e, bad, "{{.State.Health.Status}}") == "unhealthy" })
	if got := e.Skiff("ps", "--filter", "health=unhealthy", "-q").Success(t).Out(); got != bad[:12] {
		t.Errorf("ps --filter health=unhealthy: %q", got)
	}
	// the image's HEALTHCHECK, and --no-healthcheck
	e.Skiff("commit", "--change", "HEALTHCHECK --interval=1s CMD true", bad, "withhc").Success(t)
	e.Skiff("rm", "-f", bad).Success(t)
	hc := e.Skiff("create", "withhc", "sleep", "100").Success(t).Out()
	if got := inspectField(e, hc, "{{json .Config.Healthcheck.Test}}"); got != `["CMD-SHELL","true"]` {
		t.Errorf("HEALTHCHECK of the image: %s", got)
	}
	off := e.Skiff("create", "--no-healthcheck", "withhc", "sleep", "100").Success(t).Out()
	if got := inspectField(e, off, "{{json .Config.Healthcheck.Test}}"); got != `["NONE"]` {
		t.Errorf("--no-healthcheck: %s", got)
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--no-healthcheck", "--health-cmd", "true", img, "true"), "conflicts with --health-*")
	oneErrorLine(t, e.Skiff("run", "--rm", "--health-interval", "1s", img, "true"), "give --health-cmd")
}
