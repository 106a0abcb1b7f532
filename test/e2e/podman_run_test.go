package e2e

import (
	"encoding/json"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// /run/.containerenv in every container (podman's marker, podman-run(1)
// "/run/.containerenv": engine, name, id, image, imageid, rootless), beside
// docker's empty /.dockerenv; invoked as podman the default environment
// has podman's TERM=xterm and container=podman, docker's has neither
// without -t. diff shows none of the markers.
func TestPodmanContainerEnv(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	out := e.Podman("run", "--name", "marked", img, "cat", "/run/.containerenv").Success(t).Out()
	id := inspectField(e, "marked", "{{.Id}}")
	imageID := strings.TrimPrefix(inspectField(e, "marked", "{{.Image}}"), "sha256:")
	rootless := "0"
	if e.Rootless {
		rootless = "1"
	}
	for _, want := range []string{`name="marked"`, `id="` + id + `"`, `image="docker.io/library/busybox:latest"`,
		`imageid="` + imageID + `"`, "rootless=" + rootless, `engine="skiff-`} {
		if !strings.Contains(out, want) {
			t.Errorf("/run/.containerenv lacks %s:\n%s", want, out)
		}
	}
	if got := e.Docker("run", "--rm", img, "sh", "-c", "test -f /.dockerenv && test ! -s /.dockerenv && grep -c name= /run/.containerenv").Success(t).Out(); got != "1" {
		t.Errorf("docker's container: %q", got)
	}
	if got := e.Podman("diff", "marked").Success(t).Out(); got != "" {
		t.Errorf("diff shows skiff's markers: %q", got)
	}
	env := e.Podman("run", "--rm", img, "env").Success(t).Stdout
	for _, want := range []string{"TERM=xterm\n", "container=podman\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("podman's environment lacks %q:\n%s", want, env)
		}
	}
	if env := e.Docker("run", "--rm", img, "env").Success(t).Stdout; strings.Contains(env, "TERM=") || strings.Contains(env, "container=") {
		t.Errorf("docker's environment: %s", env)
	}
	if got := e.Podman("run", "--rm", "-e", "TERM=vt100", img, "sh", "-c", "echo $TERM").Success(t).Out(); got != "vt100" {
		t.Errorf("-e TERM: %q", got)
	}
}

// run and create flags podman adds to docker's (podman-run(1) OPTIONS):
// --tz, --entrypoint as a JSON array, --env-host, --http-proxy,
// --hostuser, --init-path, --requires.
func TestPodmanRunFlags(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	// --tz: "local, which sets the timezone in the container to match the
	// host machine", or a zone of /usr/share/zoneinfo
	if got := e.Podman("run", "--rm", "--tz", "Asia/Tokyo", img, "date", "+%Z").Success(t).Out(); got != "JST" {
		t.Errorf("--tz Asia/Tokyo: %q", got)
	}
	host := e.Exec("date", "+%Z").Success(t).Out()
	if got := e.Podman("run", "--rm", "--tz", "local", img, "date", "+%Z").Success(t).Out(); got != host {
		t.Errorf("--tz local: %q, host %q", got, host)
	}
	e.Podman("run", "--rm", "--tz", "Nowhere/Atall", img, "true").Fail(t, 125, "no such time zone")
	// --entrypoint '["/bin/echo","x"]' is an argv
	if got := e.Podman("run", "--rm", "--entrypoint", `["/bin/echo","x"]`, img, "y").Success(t).Out(); got != "x y" {
		t.Errorf("--entrypoint JSON: %q", got)
	}
	if got := e.Docker("run", "--rm", "--entrypoint", "/bin/echo", img, "z").Success(t).Out(); got != "z" {
		t.Errorf("--entrypoint: %q", got)
	}
	// --env-host: the host's environment, below -e; skiff's own stays out
	e.Setenv("SKIFF_E2E_HOSTVAR", "from-host")
	e.Setenv("http_proxy", "http://proxy.invalid:3128")
	out := e.Podman("run", "--rm", "--env-host", "-e", "LANG=set", img, "env").Success(t).Stdout
	for _, want := range []string{"SKIFF_E2E_HOSTVAR=from-host\n", "LANG=set\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("--env-host lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "_SKIFF_") || strings.Contains(out, "_CONTAINERS_") {
		t.Errorf("--env-host leaks skiff's variables:\n%s", out)
	}
	// --http-proxy: true by default invoked as podman, false as docker
	proxy := func(r Result) string { return r.Success(t).Out() }
	if got := proxy(e.Podman("run", "--rm", img, "sh", "-c", "echo $http_proxy")); got != "http://proxy.invalid:3128" {
		t.Errorf("podman's default --http-proxy: %q", got)
	}
	if got := proxy(e.Podman("run", "--rm", "--http-proxy=false", img, "sh", "-c", "echo $http_proxy")); got != "" {
		t.Errorf("--http-proxy=false: %q", got)
	}
	if got := proxy(e.Docker("run", "--rm", img, "sh", "-c", "echo $http_proxy")); got != "" {
		t.Errorf("docker passes the proxy: %q", got)
	}
	// --hostuser: the host's account in the container's /etc/passwd
	if got := e.Podman("run", "--rm", "--hostuser", "daemon", "-u", "daemon", img, "sh", "-c", "id -u; grep -c ^daemon: /etc/passwd").Success(t).Out(); got != "1\n1" {
		t.Errorf("--hostuser daemon: %q", got)
	}
	e.Podman("run", "--rm", "--hostuser", "no-such-user-here", img, "true").Fail(t, 125, "no such user on this host")
	// --init-path: the binary runs as PID 1 with "--" and the command
	initPath := e.WriteFile("myinit", "#!/bin/sh\necho \"init $$: $*\"\nshift\nexec \"$@\"\n")
	if err := os.Chmod(initPath, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := e.Podman("run", "--rm", "--init", "--init-path", initPath, img, "echo", "hi").Success(t).Out(); got != "init 1: -- echo hi\nhi" {
		t.Errorf("--init-path: %q", got)
	}
	e.Podman("run", "--rm", "--init-path", initPath, img, "true").Fail(t, 125, "needs --init")
	// --requires: the dependency starts first and cannot be removed
	e.Podman("create", "--name", "dep", img, "sleep", "60").Success(t)
	e.Podman("run", "-d", "--name", "main", "--requires", "dep", img, "sleep", "60").Success(t)
	waitStatus(e, "dep", "running")
	if got := e.Podman("inspect", "main", "--format", "{{.Dependencies}}").Success(t).Out(); got != "["+inspectField(e, "dep", "{{.Id}}")+"]" {
		t.Errorf(".Dependencies: %q", got)
	}
	e.Podman("rm", "-f", "dep").Fail(t, 2, "requires it")
	e.Podman("run", "--rm", "--requires", "nosuch", img, "true").Fail(t, 125, "no such container")
	e.Podman("rm", "-f", "-t", "0", "main", "dep").Success(t)
}

// --timeout: "Maximum time a container is allowed to run before conmon
// sends it the kill signal" (podman-run(1)); podman records -1 and run
// exits 255. The monitor enforces it, detached too.
func TestPodmanTimeout(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	start := time.Now()
	e.Podman("run", "--name", "slow", "--timeout", "2", img, "sleep", "60").Fail(t, 255, "")
	if d := time.Since(start); d < 2*time.Second || d > 30*time.Second {
		t.Errorf("--timeout 2 ended the container after %v", d)
	}
	if got := inspectField(e, "slow", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited -1" {
		t.Errorf("after the timeout: %q", got)
	}
	e.Podman("run", "-d", "--name", "bg", "--timeout", "1", img, "sleep", "60").Success(t)
	if got := e.Podman("wait", "bg").Success(t).Out(); got != "-1" {
		t.Errorf("wait after a detached --timeout: %q", got)
	}
	if got := e.Podman("run", "--rm", "--timeout", "30", img, "echo", "quick").Success(t).Out(); got != "quick" {
		t.Errorf("a container within its timeout: %q", got)
	}
	if got := e.Podman("inspect", "slow", "--format", "{{.Config.Timeout}}").Success(t).Out(); got != "2" {
		t.Errorf(".Config.Timeout: %q", got)
	}
}

// --preserve-fds N: "Pass down to the process N additional file
// descriptors (in addition to 0, 1, 2)" (podman-run(1)); descriptors
// skiff was not given are refused.
func TestPodmanPreserveFDs(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := e.PodmanCmd("run", "--rm", "--preserve-fds", "1", img, "sh", "-c", "echo through-fd-3 >&3")
	cmd.ExtraFiles = []*os.File{w}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run --preserve-fds 1: %v: %s", err, out)
	}
	w.Close()
	got, _ := io.ReadAll(r)
	if strings.TrimSpace(string(got)) != "through-fd-3" {
		t.Errorf("descriptor 3 carried %q", got)
	}
	e.Podman("run", "--rm", "--preserve-fds", "2", img, "true").Fail(t, 125, "descriptor 3 was not passed")
}

// --log-driver k8s-file (podman's default) writes podman's on-disk format
// and logs reads it as it reads docker's json-file; --log-opt path puts
// the file elsewhere; passthrough hands the container the caller's
// streams; journald needs a journal (podman-run(1) --log-driver,
// --log-opt).
func TestPodmanLogDrivers(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	script := "echo out; echo err >&2; printf 'a\\tb\\n'"
	e.Podman("run", "--name", "k8", img, "sh", "-c", script).Success(t)
	if got := inspectField(e, "k8", "{{.HostConfig.LogConfig.Type}}"); got != "k8s-file" {
		t.Errorf("podman's default driver: %q", got)
	}
	path := e.Podman("inspect", "k8", "--format", "{{.HostConfig.LogConfig.Path}}").Success(t).Out()
	raw := e.Exec("cat", path).Success(t).Stdout
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d (stdout|stderr) F .*$`)
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		if !line.MatchString(l) {
			t.Errorf("not a k8s-file line: %q", l)
		}
	}
	if !strings.Contains(raw, " stdout F a\tb\n") {
		t.Errorf("k8s-file keeps the text as written:\n%s", raw)
	}
	r := e.Podman("logs", "k8").Success(t)
	if r.Stdout != "out\na\tb\n" || r.Stderr != "err\n" {
		t.Errorf("logs of k8s-file: %q %q", r.Stdout, r.Stderr)
	}
	if r := e.Docker("logs", "-n", "1", "k8").Success(t); strings.Count(r.Stdout+r.Stderr, "\n") != 1 {
		t.Errorf("docker logs -n 1 (--tail) of k8s-file: %q %q", r.Stdout, r.Stderr)
	}
	// podman's logs -n is --names: nothing to add for one container
	if r := e.Podman("logs", "-n", "k8").Success(t); r.Stdout != "out\na\tb\n" {
		t.Errorf("podman logs -n: %q", r.Stdout)
	}
	// podman takes json-file for its k8s-file; docker keeps json-file
	e.Podman("run", "--name", "jf", "--log-driver", "json-file", img, "true").Success(t)
	e.Docker("run", "--name", "dj", img, "echo", "docker").Success(t)
	if got := inspectField(e, "jf", "{{.HostConfig.LogConfig.Type}}") + " " + inspectField(e, "dj", "{{.HostConfig.LogConfig.Type}}"); got != "k8s-file json-file" {
		t.Errorf("drivers: %q", got)
	}
	if got := e.Podman("logs", "dj").Success(t).Out(); got != "docker" {
		t.Errorf("podman logs of json-file: %q", got)
	}
	// --log-opt path
	custom := e.Dir + "/logs/custom.log"
	e.Mkdir("logs")
	e.Podman("run", "--name", "cp", "--log-opt", "path="+custom, "--log-opt", "max-size=1m", img, "echo", "custom").Success(t)
	if got := e.Exec("cat", custom).Success(t).Stdout; !strings.HasSuffix(got, " stdout F custom\n") {
		t.Errorf("--log-opt path file: %q", got)
	}
	if got := e.Podman("logs", "cp").Success(t).Out(); got != "custom" {
		t.Errorf("logs with --log-opt path: %q", got)
	}
	if got := e.Podman("inspect", "cp", "--format", "{{.HostConfig.LogConfig.Path}} {{.HostConfig.LogConfig.Size}}").Success(t).Out(); got != custom+" 1MiB" {
		t.Errorf("LogConfig Path Size: %q", got)
	}
	e.Podman("run", "--rm", "--log-opt", "path=relative.log", img, "true").Fail(t, 125, "absolute path")
	// passthrough: the container writes to the caller's stdout itself
	r = e.PodmanStdin(strings.NewReader("typed\n"), "run", "--name", "pt", "-i", "--log-driver", "passthrough", img, "sh", "-c", "cat; echo err >&2")
	if r.Success(t); r.Stdout != "typed\n" || r.Stderr != "err\n" {
		t.Errorf("passthrough: %q %q", r.Stdout, r.Stderr)
	}
	e.Podman("logs", "pt").Fail(t, 125, "does not support reading")
	e.Podman("run", "--rm", "-t", "--log-driver", "passthrough", img, "true").Fail(t, 125, "cannot be used with -t")
	// journald where a journal listens, else one line
	if _, err := os.Stat("/run/systemd/journal/socket"); err != nil {
		e.Podman("run", "--rm", "--log-driver", "journald", img, "true").Fail(t, 125, "the journal is not reachable")
	}
	e.Podman("run", "--rm", "--log-driver", "syslog", img, "true").Fail(t, 125, "not supported")
}

// inspect's podman fields (podman-inspect(1)): a container's .ImageName,
// .Config.CreateCommand, .HostConfig.LogConfig.Path and .Size; an
// image's .ID, .Digest, .NamesHistory. Invoked as docker the objects
// keep docker's keys.
func TestPodmanInspectFields(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("create", "--name", "ins", "--log-opt", "max-size=2m", img, "true").Success(t)
	got := e.Podman("inspect", "ins", "--format", "{{.ImageName}}|{{.Config.CreateCommand}}|{{.HostConfig.LogConfig.Size}}").Success(t).Out()
	parts := strings.Split(got, "|")
	if len(parts) != 3 || parts[0] != "docker.io/library/busybox:latest" ||
		!strings.HasSuffix(parts[1], "create --name ins --log-opt max-size=2m "+img+" true]") || parts[2] != "2MiB" {
		t.Errorf("podman's container fields: %q", got)
	}
	var ctr []map[string]any
	if err := json.Unmarshal([]byte(e.Docker("inspect", "ins").Success(t).Stdout), &ctr); err != nil {
		t.Fatal(err)
	}
	cfg, _ := ctr[0]["Config"].(map[string]any)
	if _, ok := ctr[0]["ImageName"]; ok || cfg["CreateCommand"] != nil {
		t.Errorf("docker's inspect has podman's fields: %v", ctr[0])
	}
	lc, _ := ctr[0]["HostConfig"].(map[string]any)["LogConfig"].(map[string]any)
	if _, ok := lc["Path"]; ok {
		t.Errorf("docker's LogConfig: %v", lc)
	}
	id := strings.TrimPrefix(e.Podman("image", "inspect", img, "--format", "{{.Id}}").Success(t).Out(), "sha256:")
	got = e.Podman("image", "inspect", img, "--format", "{{.ID}}|{{.NamesHistory}}|{{.Digest}}").Success(t).Out()
	parts = strings.Split(got, "|")
	if len(parts) != 3 || parts[0] != id || parts[1] != "[docker.io/library/busybox:latest]" || !strings.HasPrefix(parts[2], "sha256:") {
		t.Errorf("podman's image fields: %q (ID %s)", got, id)
	}
	if out := e.Docker("image", "inspect", img).Success(t).Stdout; strings.Contains(out, "NamesHistory") {
		t.Errorf("docker's image inspect has podman's fields")
	}
}

// --log-driver journald where a journal listens: the test starts
// systemd-journald in a mount namespace of its own (a tmpfs on /run and
// /var/log/journal, nothing of the host's journal touched) and runs skiff
// there; the entries carry conmon's fields and logs reads them back
// through journalctl (podman-run(1) --log-driver journald).
func TestPodmanJournald(t *testing.T) {
	Require(t, "root", "journald")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	podman := strings.Join(append([]string{suite.binDir + "/podman"}, e.GlobalArgs...), " ")
	script := `set -e
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/log/journal 2>/dev/null || true
` + journald + ` >/dev/null 2>&1 &
trap "kill $!" EXIT
for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
P="` + podman + `"
$P run --name jd --network none --log-driver journald ` + img + ` sh -c 'echo hello journal; echo to-err >&2' 2>&1
id=$($P inspect jd --format '{{.Id}}')
for i in $(seq 50); do
	n=$(journalctl --no-pager -o json CONTAINER_ID_FULL=$id | grep -c '"CONTAINER_NAME":"jd"' || true)
	[ "$n" = 2 ] && break
	sleep 0.1
done
echo "--- $n entries"
$P logs jd 2>&1
$P logs --tail 1 jd 2>&1
$P rm jd >/dev/null
`
	r := e.Exec("unshare", "-m", "--propagation", "private", "sh", "-c", script)
	out := r.Success(t).Stdout
	if want := "hello journal\nto-err\n--- 2 entries\nhello journal\nto-err\nto-err\n"; out != want {
		t.Errorf("journald:\n%s\nwant:\n%s", out, want)
	}
}
