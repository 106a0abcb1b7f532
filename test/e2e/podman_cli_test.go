package e2e

import (
	"strings"
	"testing"
	"time"
)

// Podman's extensions to docker's command line, through a link named
// podman (internal/dialect): the spec is podman's man pages, cited by
// section.

// Invoked as podman, skiff words a missing object as podman does and exits
// as its man pages say; invoked as docker it keeps docker's words.
func TestPodmanDialectErrors(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	// podman-rm(1) EXIT STATUS: 1 "One of the specified containers did
	// not exist, and no other failures", 2 "One of the specified
	// containers is paused or running".
	e.Podman("rm", "nosuch").Fail(t, 1, `Error: no container with name or ID "nosuch" found: no such container`)
	e.Docker("rm", "nosuch").Fail(t, 1, "Error: No such container: nosuch")
	e.Podman("run", "-d", "--name", "up", img, "sleep", "60").Success(t)
	e.Podman("rm", "up").Fail(t, 2, "container is running")
	e.Podman("rm", "up", "nosuch").Fail(t, 2, "no such container")
	// stop, kill, start of a missing container: podman's 125
	e.Podman("stop", "nosuch").Fail(t, 125, "no such container")
	e.Podman("kill", "nosuch").Fail(t, 125, "no such container")
	e.Docker("stop", "nosuch").Fail(t, 1, "No such container: nosuch")
	// podman-rmi(1), podman-volume-rm(1), podman-network-rm(1): 1 for a
	// missing object
	e.Podman("rmi", "nosuch").Fail(t, 1, "nosuch: image not known")
	e.Podman("volume", "rm", "nosuch").Fail(t, 1, `no volume with name "nosuch" found: no such volume`)
	e.Podman("network", "rm", "nosuch").Fail(t, 1, "unable to find network with name or ID nosuch: network not found")
	e.Docker("rmi", "nosuch").Fail(t, 125, "No such image: nosuch")
	// podman-rmi(1): 2 "One of the specified images ... is being used by
	// a container"
	e.Podman("rmi", img).Fail(t, 2, "container")
	e.Podman("inspect", "nosuch").Fail(t, 125, `no such object: "nosuch"`)
	e.Docker("inspect", "nosuch").Fail(t, 125, "No such object: nosuch")
	e.Podman("logs", "nosuch").Fail(t, 125, `no container with name or ID "nosuch" found`)
	// help and usage errors name podman
	e.Podman("rm").Fail(t, 125, "'podman rm --help'")
	e.Podman("rm", "-f", "-t", "0", "up").Success(t)
}

// --latest (-l), --all (-a), --ignore (-i) and --filter choose the
// containers of the container verbs (podman-stop(1), podman-rm(1),
// podman-start(1), podman-kill(1), podman-pause(1) ... OPTIONS).
func TestPodmanContainerSelection(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("create", "--name", "old", "--label", "tier=db", img, "sleep", "60").Success(t)
	e.Podman("create", "--name", "mid", img, "sleep", "60").Success(t)
	e.Podman("run", "-d", "--name", "new", "--label", "tier=web", img, "sh", "-c", "echo hello; sleep 60").Success(t)
	newID := inspectField(e, "new", "{{.Id}}")
	// --latest is the container created last, whatever its state
	if got := e.Podman("inspect", "-l", "--format", "{{.Name}}").Success(t).Out(); got != "/new" {
		t.Errorf("inspect -l: %q", got)
	}
	if got := e.Podman("inspect", "--type", "all", "--format", "{{.Name}}", "mid").Success(t).Out(); got != "/mid" {
		t.Errorf("inspect --type all: %q", got)
	}
	if got := e.Podman("container", "inspect", "--latest", "--format", "{{.Name}}").Success(t).Out(); got != "/new" {
		t.Errorf("container inspect --latest: %q", got)
	}
	waitLog(e, "new", "hello")
	if got := e.Podman("logs", "-l").Success(t).Out(); got != "hello" {
		t.Errorf("logs -l: %q", got)
	}
	if got := e.Podman("exec", "-l", "echo", "in", "latest").Success(t).Out(); got != "in latest" {
		t.Errorf("exec -l: %q", got)
	}
	if got := e.Podman("top", "-l", "-o", "pid,comm").Success(t).Stdout; !strings.Contains(got, "sleep") {
		t.Errorf("top -l: %q", got)
	}
	e.Podman("port", "-l").Success(t)
	e.Podman("diff", "-l").Success(t)
	e.Podman("logs", "-l", "new").Fail(t, 125, "--latest and containers cannot be used together")
	e.Podman("stop", "-a", "-l").Fail(t, 125, "--all and --latest cannot be used together")
	e.Podman("stop", "-a", "new").Fail(t, 125, "no arguments are needed with --all")
	// start --all starts every container; stop -a stops the running ones
	// and prints their IDs
	out := e.Podman("start", "--all").Success(t).Lines()
	if len(out) != 3 {
		t.Errorf("start --all printed %q", out)
	}
	if got := e.Podman("ps", "-q", "--no-trunc").Lines(); len(got) != 3 {
		t.Errorf("running after start --all: %q", got)
	}
	if got := e.Podman("stop", "-t", "0", "--filter", "label=tier=web").Success(t).Out(); got != newID {
		t.Errorf("stop --filter printed %q, want %s", got, newID)
	}
	if got := e.Podman("stop", "-a", "-t", "0").Success(t).Lines(); len(got) != 2 {
		t.Errorf("stop -a printed %q, want the 2 running containers", got)
	}
	// --ignore: a missing container is no error (podman-stop(1) --ignore)
	if got := e.Podman("stop", "-i", "nosuch", "old").Success(t).Out(); got != "old" {
		t.Errorf("stop -i printed %q", got)
	}
	e.Podman("kill", "-i", "nosuch").Success(t)
	e.Podman("rm", "-i", "nosuch").Success(t)
	// wait -l, kill -a
	e.Podman("start", "new").Success(t)
	e.Podman("kill", "-a").Success(t)
	if got := e.Podman("wait", "-l").Success(t).Out(); got != "137" {
		t.Errorf("wait -l after kill -a: %q", got)
	}
	// rm -l removes the latest; rm -a -f the rest
	if got := e.Podman("rm", "-l").Success(t).Out(); got != newID {
		t.Errorf("rm -l printed %q", got)
	}
	e.Podman("start", "mid").Success(t)
	if got := e.Podman("rm", "-a", "-f", "-t", "0").Success(t).Lines(); len(got) != 2 {
		t.Errorf("rm -a -f printed %q", got)
	}
	if got := psAll(e); len(got) != 0 {
		t.Errorf("left: %q", got)
	}
	e.Podman("stop", "-l").Fail(t, 125, "--latest found none")
}

// rm -t: with --force a running container is stopped as stop -t does
// (podman-rm(1) --time), its trap runs; docker's rm -f kills at once.
func TestPodmanRmTime(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	vol := e.Mkdir("out")
	e.Podman("run", "-d", "--name", "trap", "-v", vol+":/out", img, "sh", "-c",
		"trap 'echo stopped > /out/by; exit 0' TERM; echo up; while :; do sleep 0.1; done").Success(t)
	waitLog(e, "trap", "up")
	start := time.Now()
	e.Podman("rm", "-f", "-t", "5", "trap").Success(t)
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("rm -f -t 5 took %v on a container that exits on SIGTERM", d)
	}
	if got := e.Exec("cat", vol+"/by").Out(); got != "stopped" {
		t.Errorf("the container's TERM trap did not run: %q", got)
	}
	// without -t, podman's rm -f stops as stop does, SIGKILL only after
	// the container's stop timeout (podman-rm(1) --time); docker's kills
	// at once
	for _, name := range []string{"podman", "docker"} {
		cli := e.Podman
		if name == "docker" {
			cli = e.Docker
		}
		cli("run", "-d", "--name", name, "-v", vol+":/out", img, "sh", "-c",
			"trap 'echo stopped > /out/"+name+"; exit 0' TERM; echo up; while :; do sleep 0.1; done").Success(t)
		waitLog(e, name, "up")
		cli("rm", "-f", name).Success(t)
	}
	if got := e.Exec("cat", vol+"/podman").Out(); got != "stopped" {
		t.Errorf("podman's rm -f did not stop the container first: %q", got)
	}
	e.Exec("test", "!", "-e", vol+"/docker").Success(t)
	// docker's rm -l is --link, podman's --latest (internal/dialect)
	e.Docker("rm", "-l", "nosuch/alias").Fail(t, 1, "")
	e.Podman("create", "--name", "x", img, "true").Success(t)
	e.Podman("rm", "-l").Success(t)
}

// container|image|volume|network exists: exit 0 or 1 and print nothing
// (podman-container-exists(1) and siblings); pods are refused in one
// line until they exist.
func TestPodmanExists(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("create", "--name", "there", img, "true").Success(t)
	e.Podman("volume", "create", "vol").Success(t)
	e.Podman("network", "create", "net").Success(t)
	for _, c := range [][]string{
		{"container", "exists", "there"}, {"image", "exists", img}, {"volume", "exists", "vol"},
		{"network", "exists", "net"}, {"network", "exists", "bridge"}, {"container", "exists", "--external", "there"},
	} {
		if r := e.Podman(c...).Success(t); r.Stdout != "" || r.Stderr != "" {
			t.Errorf("%v printed %q %q", c, r.Stdout, r.Stderr)
		}
	}
	for _, c := range [][]string{
		{"container", "exists", "gone"}, {"image", "exists", "gone"}, {"volume", "exists", "gone"},
		{"network", "exists", "gone"},
	} {
		if r := e.Podman(c...); r.Code != 1 || r.Stdout != "" || r.Stderr != "" {
			t.Errorf("%v: exit %d %q %q, want 1 and no output", c, r.Code, r.Stdout, r.Stderr)
		}
	}
	e.Podman("pod", "create", "--name", "p").Success(t)
	e.Podman("pod", "exists", "p").Success(t)
	if r := e.Podman("pod", "exists", "gone"); r.Code != 1 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("pod exists gone: exit %d %q %q, want 1 and no output", r.Code, r.Stdout, r.Stderr)
	}
	e.Podman("run", "--rm", "--pod", "p", img, "true").Success(t)
	e.Podman("run", "--pod", "gone", img, "true").Fail(t, 125, "gone")
	e.Podman("pod", "rm", "-f", "p").Success(t)
	e.Podman("network", "rm", "net").Success(t)
}

// ps --noheading, --sort, --external; images --noheading (-n), --sort
// (podman-ps(1), podman-images(1)).
func TestPodmanListings(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("create", "--name", "zz", img, "sh", "-c", "echo").Success(t)
	time.Sleep(20 * time.Millisecond)
	e.Podman("create", "--name", "aa", img, "true").Success(t)
	time.Sleep(20 * time.Millisecond)
	e.Podman("create", "--name", "mm", img, "sleep", "60").Success(t)
	for key, want := range map[string]string{
		"names": "aa mm zz", "created": "zz aa mm", "command": "zz mm aa", "": "zz aa mm",
	} {
		args := []string{"ps", "-a", "--format", "{{.Names}}"}
		if key != "" {
			args = append(args, "--sort", key)
		}
		if got := strings.Join(e.Podman(args...).Success(t).Lines(), " "); got != want {
			t.Errorf("ps --sort %q: %s, want %s", key, got, want)
		}
	}
	// without --sort, docker's ps lists the newest first, podman's the
	// oldest (podman-ps(1) --sort: "created" by default)
	if got := strings.Join(e.Docker("ps", "-a", "--format", "{{.Names}}").Success(t).Lines(), " "); got != "mm aa zz" {
		t.Errorf("docker's ps order: %s", got)
	}
	e.Podman("ps", "--sort", "bogus").Fail(t, 125, "cannot sort by \"bogus\"")
	if got := e.Podman("ps", "-a", "--noheading").Success(t).Lines(); len(got) != 3 || strings.Contains(got[0], "CONTAINER ID") {
		t.Errorf("ps --noheading: %q", got)
	}
	if got := e.Podman("ps", "-a").Success(t).Lines(); len(got) != 4 {
		t.Errorf("ps with heading: %q", got)
	}
	// a build's RUN step is a container of the store skiff's records do
	// not show: ps --external lists it while the step runs
	dir := e.Mkdir("ctx")
	e.WriteFile("ctx/Dockerfile", "FROM "+img+"\nRUN sleep 5\n")
	build := e.PodmanCmd("build", "-t", "slow", dir)
	if err := build.Start(); err != nil {
		t.Fatal(err)
	}
	var ext string
	waitUntil(t, 60*time.Second, "the build's step in ps --external", func() bool {
		ext = e.Podman("ps", "--external", "--format", "{{.Command}} {{.Status}}").Out()
		return strings.Contains(ext, "build")
	})
	if !strings.Contains(ext, `"build" Storage`) {
		t.Errorf("ps --external: %q", ext)
	}
	if got := e.Podman("ps", "-a", "--format", "{{.Names}}").Lines(); len(got) != 3 {
		t.Errorf("ps without --external shows the build: %q", got)
	}
	if err := build.Wait(); err != nil {
		t.Fatalf("build: %v", err)
	}
	if got := e.Podman("ps", "--external", "--format", "{{.Command}}").Out(); got != "" {
		t.Errorf("ps --external after the build: %q", got)
	}
	// images
	e.Podman("rmi", "slow").Success(t)
	e.Podman("tag", img, "zzz/bb:v1").Success(t)
	e.Podman("tag", img, "aaa/bb:v2").Success(t)
	if got := strings.Join(e.Podman("images", "--sort", "repository", "--format", "{{.Repository}}").Success(t).Lines(), " "); got != "aaa/bb busybox zzz/bb" {
		t.Errorf("images --sort repository: %s", got)
	}
	if got := strings.Join(e.Podman("images", "--sort", "tag", "--format", "{{.Tag}}").Success(t).Lines(), " "); got != "latest v1 v2" {
		t.Errorf("images --sort tag: %s", got)
	}
	if got := e.Podman("images", "-n").Success(t).Lines(); len(got) != 3 || strings.HasPrefix(got[0], "REPOSITORY") {
		t.Errorf("images -n: %q", got)
	}
	e.Podman("images", "--sort", "bogus").Fail(t, 125, "cannot sort by")
}

// rmi -a, -i; volume rm -a, -i, and podman's -f (remove the users) with
// -t; network rm -i and podman's -f (podman-volume-rm(1),
// podman-network-rm(1), podman-rmi(1)).
func TestPodmanRemovals(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("tag", img, "other/name:1").Success(t)
	e.Podman("volume", "create", "v1").Success(t)
	e.Podman("volume", "create", "v2").Success(t)
	e.Podman("run", "-d", "--name", "user", "-v", "v1:/data", img, "sleep", "60").Success(t)
	e.Podman("volume", "rm", "-i", "nosuch").Success(t)
	e.Podman("volume", "rm", "v1").Fail(t, 2, "in use")
	// docker's volume rm -f leaves the user alone; -t belongs to podman's -f
	e.Docker("volume", "rm", "-f", "v1").Fail(t, 125, "in use")
	e.Docker("volume", "rm", "-f", "-t", "1", "v1").Fail(t, 125, "--time")
	e.Podman("volume", "rm", "-t", "0", "-f", "v1").Success(t)
	e.Podman("container", "exists", "user").Fail(t, 1, "")
	if got := e.Podman("volume", "rm", "-a").Success(t).Out(); got != "v2" {
		t.Errorf("volume rm -a: %q", got)
	}
	e.Podman("network", "create", "n1").Success(t)
	e.Podman("run", "-d", "--name", "netuser", "--network", "n1", img, "sleep", "60").Success(t)
	e.Podman("network", "rm", "n1").Fail(t, 2, "active endpoints")
	e.Podman("network", "rm", "-i", "nosuch").Success(t)
	e.Podman("network", "rm", "-f", "-t", "0", "n1").Success(t)
	e.Podman("container", "exists", "netuser").Fail(t, 1, "")
	e.Podman("rmi", "-i", "nosuch").Success(t)
	e.Podman("create", "--name", "holder", img, "true").Success(t)
	e.Podman("rmi", "-a").Fail(t, 2, "container")
	e.Podman("rm", "holder").Success(t)
	e.Podman("rmi", "-a").Success(t)
	if got := e.Podman("images", "-q").Out(); got != "" {
		t.Errorf("rmi -a left %q", got)
	}
}

// The other verbs' --latest and --all (podman-ps(1) --latest: "Show the
// latest container created (all states)"; podman-start(1),
// podman-restart(1), podman-pause(1), podman-unpause(1), podman-kill(1),
// podman-stats(1) --latest; podman-restart(1), podman-pause(1),
// podman-unpause(1) --all), --filter on start and rm (podman-start(1),
// podman-rm(1) --filter), and port --all: "List all known port mappings
// for running containers" (podman-port(1)), each line after the
// container's short ID.
func TestPodmanLatestAllVerbs(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("run", "-d", "--name", "one", "--label", "k=1", "-p", "127.0.0.1::80", img, "sleep", "60").Success(t)
	oneID := inspectField(e, "one", "{{.Id}}")
	e.Podman("create", "--name", "two", "--label", "k=2", img, "sleep", "60").Success(t)
	twoID := inspectField(e, "two", "{{.Id}}")
	if got := e.Podman("ps", "-l", "--format", "{{.Names}} {{.State}}").Success(t).Out(); got != "two created" {
		t.Errorf("ps -l: %q", got)
	}
	if got := e.Podman("ps", "--latest", "-q", "--no-trunc").Success(t).Out(); got != twoID {
		t.Errorf("ps --latest -q: %q", got)
	}
	verbs := []string{"start", "pause", "unpause", "restart", "kill"}
	if !canLimit() {
		verbs = []string{"start", "restart", "kill"} // no freezer to pause with
	}
	for _, verb := range verbs {
		if got := e.Podman(verb, "-l").Success(t).Out(); got != twoID {
			t.Errorf("%s -l printed %q", verb, got)
		}
		if verb == "pause" {
			waitStatus(e, "two", "paused")
		}
	}
	waitStatus(e, "two", "exited")
	if got := inspectField(e, "one", "{{.State.Status}}"); got != "running" {
		t.Errorf("the verbs with -l reached one: %s", got)
	}
	e.Podman("start", "two").Success(t)
	if got := e.Podman("stats", "-l", "--no-stream", "--format", "{{.Name}}").Success(t).Out(); got != "two" {
		t.Errorf("stats -l: %q", got)
	}
	// --all on restart, pause and unpause
	if canLimit() {
		if got := e.Podman("pause", "-a").Success(t).Lines(); len(got) != 2 {
			t.Errorf("pause -a printed %q", got)
		}
		if got := e.Podman("ps", "--format", "{{.State}}").Success(t).Lines(); strings.Join(got, " ") != "paused paused" {
			t.Errorf("after pause -a: %q", got)
		}
		if got := e.Podman("unpause", "--all").Success(t).Lines(); len(got) != 2 {
			t.Errorf("unpause --all printed %q", got)
		}
	}
	before := inspectField(e, "one", "{{.State.StartedAt}}")
	if got := e.Podman("restart", "-a", "-t", "0").Success(t).Lines(); len(got) != 2 {
		t.Errorf("restart -a printed %q", got)
	}
	if after := inspectField(e, "one", "{{.State.StartedAt}}"); after == before {
		t.Errorf("restart -a did not restart one")
	}
	// port --all: the running containers' mappings, each after its short ID
	hostPort := e.Podman("port", "one", "80").Success(t).Out()
	if got := e.Podman("port", "-a").Success(t).Out(); got != oneID[:12]+"\t80/tcp -> "+hostPort {
		t.Errorf("port -a: %q (port one 80: %q)", got, hostPort)
	}
	e.Podman("port", "-a", "one").Fail(t, 125, "no arguments are needed with --all")
	e.Podman("port", "-a", "-l").Fail(t, 125, "--all and --latest cannot be used together")
	// --filter on start and rm
	e.Podman("stop", "-a", "-t", "0").Success(t)
	if got := e.Podman("start", "--filter", "label=k=1").Success(t).Out(); got != oneID {
		t.Errorf("start --filter printed %q", got)
	}
	if got := inspectField(e, "two", "{{.State.Status}}"); got != "exited" {
		t.Errorf("start --filter label=k=1 started two: %s", got)
	}
	if got := e.Podman("rm", "--filter", "label=k=2").Success(t).Out(); got != twoID {
		t.Errorf("rm --filter printed %q", got)
	}
	if got := psAll(e); len(got) != 1 {
		t.Errorf("after rm --filter: %q", got)
	}
	e.Podman("rm", "-f", "-t", "0", "one").Success(t)
}

// healthcheck run runs the container's check once now
// (podman-healthcheck-run(1)): exit 0 when it passes, else "unhealthy"
// on stdout and exit 1 ("starting" within the start period); a container
// without a check, or not running, is an error.
func TestPodmanHealthcheckRun(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("run", "-d", "--name", "hc", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1h", img, "sleep", "60").Success(t)
	if r := e.Podman("healthcheck", "run", "hc"); r.Code != 1 || r.Stdout != "unhealthy\n" {
		t.Errorf("a failing check: exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	e.Podman("exec", "hc", "touch", "/tmp/ok").Success(t)
	if r := e.Podman("healthcheck", "run", "hc").Success(t); r.Stdout != "" {
		t.Errorf("a passing check printed %q", r.Stdout)
	}
	if got := inspectField(e, "hc", "{{.State.Health.Status}} {{len .State.Health.Log}}"); got != "healthy 2" {
		t.Errorf("the checks are recorded as the monitor's are: %q", got)
	}
	e.Podman("run", "-d", "--name", "early", "--health-cmd", "false", "--health-start-period", "1h", "--health-interval", "1h", img, "sleep", "60").Success(t)
	if r := e.Podman("healthcheck", "run", "early"); r.Code != 1 || r.Stdout != "starting\n" {
		t.Errorf("a failure in the start period: exit %d %q", r.Code, r.Stdout)
	}
	e.Podman("run", "-d", "--name", "none", img, "sleep", "60").Success(t)
	e.Podman("healthcheck", "run", "none").Fail(t, 125, "has no defined healthcheck")
	e.Podman("stop", "-t", "0", "hc").Success(t)
	e.Podman("healthcheck", "run", "hc").Fail(t, 125, "is not running")
	e.Podman("healthcheck", "run", "nosuch").Fail(t, 125, "no such container")
	e.Podman("rm", "-f", "-t", "0", "early", "none").Success(t)
}
