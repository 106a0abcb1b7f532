package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `skiff system restore` after a reboot (issue #12 §3): nothing of skiff
// runs after one, and restore starts again what the restart policies say.

// reboot does to this test's installation what a reboot does: every
// process of it dies (monitors, containers, network helpers, and rootless
// the pause process with the namespaces and mounts it held), every mount
// goes, and the runtime state (--runroot, the runtime directory, TMPDIR)
// is wiped; the records under --root stay. As root the bridges live in
// the host's namespace beside other tests': without their containers
// they would linger (netns.Linger) where a reboot takes them away, so a
// network prune that matches no network sweeps at once what nothing
// uses, and the test's networks must be gone.
func (e *Env) reboot(t *testing.T, networks ...string) {
	t.Helper()
	if e.Rootless {
		_, _, userNS := e.pauseRecord(t)
		killAll(t, func() []int { return processesInUserNS(userNS) })
	} else {
		killAll(t, func() []int { return monitorsOf(e) })
		e.unmount(e.allMounts(0))
	}
	entries, _ := os.ReadDir(e.Tmp)
	for _, d := range append(entries, nil) {
		p := e.RunRoot
		if d != nil {
			p = filepath.Join(e.Tmp, d.Name())
		}
		if err := os.RemoveAll(p); err != nil {
			t.Fatalf("wiping %s: %v", p, err)
		}
	}
	if !e.Rootless && len(networks) > 0 {
		e.Skiff("network", "prune", "-f", "--filter", "label=skiff.e2e.matches-no-network").Success(t)
		for _, n := range networks {
			id := netInspect(e, n).Id
			waitUntil(t, 30*time.Second, "network "+n+" to be taken down", func() bool {
				_, err := os.Stat(filepath.Join("/run/skiff/net/networks", id+".json"))
				return os.IsNotExist(err)
			})
		}
	}
}

// killAll kills the processes list returns with SIGKILL until none is
// left.
func killAll(t *testing.T, list func() []int) {
	t.Helper()
	waitUntil(t, 30*time.Second, "every process of the installation to die", func() bool {
		pids := list()
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		return len(pids) == 0
	})
}

// processesInUserNS lists the live processes in user namespace userNS.
func processesInUserNS(userNS uint64) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, d := range entries {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || !alive(pid) {
			continue
		}
		if st, err := os.Stat("/proc/" + d.Name() + "/ns/user"); err == nil && statIno(st) == userNS {
			out = append(out, pid)
		}
	}
	return out
}

// monitorsOf lists the live monitors (and the cleanup roles they became)
// of the test's containers; their containers and port forwarders die
// with them.
func monitorsOf(e *Env) []int {
	var out []int
	for _, l := range skiffProcesses(e) {
		if pid, err := strconv.Atoi(strings.Fields(l)[0]); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// statuses maps container names to {{.State.Status}}.
func statuses(e *Env) map[string]string {
	out := map[string]string{}
	for _, l := range e.Skiff("ps", "-a", "--format", "{{.Names}} {{.State}}").Success(e.T).Lines() {
		name, status, _ := strings.Cut(l, " ")
		out[name] = status
	}
	return out
}

// cronRestoreLine is what `system restore --install` prints on a machine
// without systemd (this one): the crontab line. It fails the test if
// --install did anything else.
func cronRestoreLine(t *testing.T, e *Env) string {
	t.Helper()
	r := e.Skiff("system", "restore", "--install").Success(t)
	line := r.Out()
	if !strings.HasPrefix(line, "@reboot ") || strings.Contains(line, "\n") {
		t.Fatalf("--install without systemd printed %q, want one @reboot line", r.Stdout)
	}
	for _, want := range []string{" --root " + e.Root + " ", " --runroot " + e.RunRoot + " ", " system restore"} {
		if !strings.Contains(line, want) {
			t.Errorf("crontab line %q lacks %q", line, want)
		}
	}
	if e.Rootless && !strings.Contains(line, "@reboot TMPDIR="+e.Tmp+" ") {
		t.Errorf("crontab line %q does not pin the runtime directory (TMPDIR=%s)", line, e.Tmp)
	}
	for _, want := range []string{"nothing was installed", "crontab -e", "To undo"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("--install's explanation lacks %q:\n%s", want, r.Stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(e.Home, ".config", "systemd")); !os.IsNotExist(err) {
		t.Errorf("--install without systemd wrote under ~/.config/systemd: %v", err)
	}
	e.Skiff("system", "restore", "--uninstall").Success(t)
	return line
}

// runAsCron runs a crontab line's command as cron does: /bin/sh -c with
// a bare environment, as the test's user.
func runAsCron(t *testing.T, e *Env, line string) Result {
	t.Helper()
	command := strings.ReplaceAll(strings.TrimPrefix(line, "@reboot "), `\%`, "%")
	cmd := e.command("/bin/sh", nil, []string{"-c", command})
	name := "root"
	if e.user != nil {
		name = e.user.Name
	}
	cmd.Env = []string{"HOME=" + e.Home, "LOGNAME=" + name, "SHELL=/bin/sh", "PATH=/usr/bin:/bin"}
	r := collect(cmd)
	t.Logf("cron: %s -> %d", command, r.Code)
	return r
}

// After a reboot the crontab line --install printed (run as cron runs it)
// starts again the containers whose policy says so, the one joining
// another's network after it; their published port serves and names
// resolve on their network again. Containers stopped by hand stay down
// unless their policy is always; on-failure comes back after a failure,
// not after a clean exit; --rm leftovers are removed. Restoring again
// starts nothing twice, and a later restore leaves a container stopped
// by hand alone whatever its policy.
func TestRestoreAfterReboot(t *testing.T) {
	Require(t, "busybox", "hostroot")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	net := netName(t, "rst")
	e.Skiff("network", "create", net).Success(t)
	netWebServer(e, "web", "--restart", "always", "--network", net, "-p", "127.0.0.1::80")
	for _, args := range [][]string{
		{"--name", "db", "--restart", "unless-stopped", "--network", net},
		{"--name", "side", "--restart", "always", "--network", "container:web"},
		{"--name", "crash", "--restart", "on-failure:3"},
		{"--name", "plain"},
		{"--name", "kept", "--restart", "unless-stopped"},
		{"--name", "back", "--restart", "always"},
		{"--name", "tmp", "--rm"},
	} {
		e.Skiff(append(append([]string{"run", "-d"}, args...), img, "sleep", "600")...).Success(t)
	}
	e.Skiff("run", "-d", "--name", "done", "--restart", "on-failure", img, "true").Success(t)
	waitStatus(e, "done", "exited")
	e.Skiff("stop", "-t", "0", "kept", "back").Success(t)
	line := cronRestoreLine(t, e)

	e.reboot(t, net)
	for name, st := range statuses(e) {
		if st != "exited" {
			t.Fatalf("after the reboot %s is %s:\n%v", name, st, statuses(e))
		}
	}
	if r := runAsCron(t, e, line); r.Code != 0 {
		t.Fatalf("restore from cron: exit %d\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	want := map[string]string{"web": "running", "side": "running", "db": "running", "crash": "running", "back": "running",
		"done": "exited", "plain": "exited", "kept": "exited"}
	if got := statuses(e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restore:\n got %v\nwant %v", got, want)
	}
	if web, side := startedAt(e, "web"), startedAt(e, "side"); side.Before(web) {
		t.Errorf("side (in web's network) started at %s, before web at %s", side, web)
	}
	port := netHostPort(e, "web", "80")
	if body, err := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || strings.TrimSpace(body) != "hello from web" {
		t.Errorf("published port %d after restore: %q, %v", port, body, err)
	}
	if out := e.Skiff("exec", "db", "wget", "-q", "-O-", "http://web/").Success(t).Out(); out != "hello from web" {
		t.Errorf("db fetching http://web/ on %s after restore: %q", net, out)
	}

	pids := map[string]string{}
	for name := range want {
		pids[name] = inspectField(e, name, "{{.State.Pid}}")
	}
	if r := e.Skiff("system", "restore").Success(t); r.Out() != "" {
		t.Errorf("a second restore started %q", r.Stdout)
	}
	for name, pid := range pids {
		if got := inspectField(e, name, "{{.State.Pid}}"); got != pid {
			t.Errorf("%s: pid %s after a second restore, was %s", name, got, pid)
		}
	}
	e.Skiff("stop", "-t", "0", "back").Success(t)
	if r := e.Skiff("system", "restore").Success(t); r.Out() != "" {
		t.Errorf("a later restore started %q", r.Stdout)
	}
	if st := statuses(e)["back"]; st != "exited" {
		t.Errorf("always, stopped by hand after the boot's restore: %s after a later restore", st)
	}
}

// Restore waits for a compose service's depends_on: a service_healthy
// dependency is healthy before its dependent starts. Two restores at once
// start each container once.
func TestRestoreComposeDependsOn(t *testing.T) {
	Require(t, "busybox", "hostroot")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	label := func(service, dependsOn string) []string {
		return []string{"--label", "com.docker.compose.project=proj", "--label", "com.docker.compose.service=" + service,
			"--label", "com.docker.compose.oneoff=False", "--label", "com.docker.compose.depends_on=" + dependsOn}
	}
	run := func(name string, args ...string) {
		e.Skiff(append(append([]string{"run", "-d", "--name", name, "--restart", "always", "--network", "none"}, args...), img, "sleep", "600")...).Success(t)
	}
	run("proj-app-1", label("app", "db:service_healthy:false")...)
	run("proj-db-1", append(label("db", ""), "--health-cmd", "test -e /dev/shm/up || { touch /dev/shm/up; exit 1; }",
		"--health-interval", "1s", "--health-retries", "3")...)
	e.reboot(t)

	results := make(chan Result, 2)
	for range 2 {
		go func() { results <- e.Skiff("system", "restore") }()
	}
	var started []string
	for range 2 {
		r := <-results
		if r.Code != 0 {
			t.Fatalf("restore: exit %d: %s", r.Code, r.Stderr)
		}
		started = append(started, r.Lines()...)
	}
	if strings.Join(started, ",") != "proj-db-1,proj-app-1" {
		t.Errorf("two restores at once started %q, want each container once, db first", started)
	}
	var checks []struct {
		End      time.Time
		ExitCode int
	}
	if err := json.Unmarshal([]byte(inspectField(e, "proj-db-1", "{{json .State.Health.Log}}")), &checks); err != nil {
		t.Fatal(err)
	}
	var healthy time.Time
	for _, c := range checks {
		if c.ExitCode == 0 {
			healthy = c.End
			break
		}
	}
	if app := startedAt(e, "proj-app-1"); healthy.IsZero() || app.Before(healthy) {
		t.Errorf("app started at %s, db's first passing check ended at %s (%+v)", app, healthy, checks)
	}
}

// startedAt is the container's .State.StartedAt.
func startedAt(e *Env, name string) time.Time {
	e.T.Helper()
	v := inspectField(e, name, "{{.State.StartedAt}}")
	ts, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		e.T.Fatalf("StartedAt of %s: %v", name, err)
	}
	return ts
}

// A project made by compose up, after a reboot: restore starts the
// services whose restart policy says so, the service_healthy dependency
// first, on the project's network again (names resolve); a service
// stopped with compose stop stays down (unless-stopped), one without a
// policy too; compose down then removes everything.
func TestRestoreComposeProject(t *testing.T) {
	Require(t, "busybox", "hostroot")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "rp", map[string]string{"compose.yaml": `
services:
  db:
    image: busybox
    command: ["sh", "-c", "mkdir -p /w && echo db > /w/i && exec httpd -f -p 80 -h /w"]
    restart: always
    healthcheck: {test: ["CMD", "true"], interval: 300ms}
    stop_signal: SIGKILL
  app:
    image: busybox
    command: ["sleep", "600"]
    restart: unless-stopped
    depends_on:
      db: {condition: service_healthy}
    stop_signal: SIGKILL
  idle:
    image: busybox
    command: ["sleep", "600"]
    restart: unless-stopped
    stop_signal: SIGKILL
  once:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`})
	compose(e, dir, "up", "-d", "--wait").Success(t)
	compose(e, dir, "stop", "idle").Success(t)
	e.reboot(t, "rp_default")
	r := e.Skiff("system", "restore").Success(t)
	if got := strings.Join(r.Lines(), ","); got != "rp-db-1,rp-app-1" {
		t.Errorf("restore started %q, want rp-db-1 then rp-app-1", got)
	}
	want := map[string]string{"rp-db-1": "running", "rp-app-1": "running", "rp-idle-1": "exited", "rp-once-1": "exited"}
	if got := statuses(e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after restore:\n got %v\nwant %v", got, want)
	}
	if got := compose(e, dir, "exec", "-T", "app", "wget", "-qO-", "http://db/i").Success(t).Out(); got != "db" {
		t.Errorf("app fetching http://db/i after restore: %q", got)
	}
	compose(e, dir, "down").Success(t)
	if left := psAll(e); len(left) != 0 {
		t.Errorf("down after restore left %v", left)
	}
}

// --rm containers are volatile in go.podman.io/storage: their records
// (volatile-containers.json, volatile-layers.json) are written without
// fsync, so a power loss can take back the last writes, as podman's --rm
// containers. Here the reboot lost both --rm containers' storage records
// and kept their layers': restore still removes the one that ran, the
// one never started is a record without a root filesystem, and system
// check --repair clears it and the layers, as after any interrupted
// create.
func TestRestoreLostVolatileRecords(t *testing.T) {
	Require(t, "busybox", "hostroot")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--rm", "--name", "tmp", "--network", "none", img, "sleep", "600").Success(t)
	e.Skiff("create", "--rm", "--name", "never", "--network", "none", img, "true").Success(t)
	e.Skiff("create", "--name", "kept", "--network", "none", img, "true").Success(t)
	e.reboot(t)
	records, _ := filepath.Glob(filepath.Join(e.Root, "*-containers", "volatile-containers.json"))
	if len(records) != 1 {
		t.Fatalf("volatile-containers.json under --root: %v", records)
	}
	if err := os.WriteFile(records[0], []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.Skiff("system", "restore").Success(t)
	want := map[string]string{"never": "created", "kept": "created"}
	if got := statuses(e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restore:\n got %v\nwant %v", got, want)
	}
	left := strings.Join(storeFindings(t, e), "; ")
	for _, want := range []string{"(never) has no root filesystem", "2 layer(s) in storage belong to no image or container"} {
		if !strings.Contains(left, want) {
			t.Errorf("system check should find %q, finds: %s", want, left)
		}
	}
	storeFindings(t, e, "--repair")
	if left := storeFindings(t, e); len(left) > 0 {
		t.Errorf("after --repair, system check still finds: %s", strings.Join(left, "; "))
	}
	if got := fmt.Sprint(statuses(e)); got != "map[kept:created]" {
		t.Errorf("after --repair: %s", got)
	}
	e.Skiff("start", "-a", "kept").Success(t)
	e.Skiff("run", "--rm", "--network", "none", img, "true").Success(t)
}
