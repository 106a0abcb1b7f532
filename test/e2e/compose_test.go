package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// composeProject writes a compose project under the test's directory and
// returns its directory.
func composeProject(e *Env, name string, files map[string]string) string {
	e.T.Helper()
	dir := e.Mkdir(name)
	for f, content := range files {
		e.WriteFile(filepath.Join(name, f), content)
	}
	return dir
}

// compose runs `skiff compose -f DIR/compose.yaml ARGS`.
func compose(e *Env, dir string, args ...string) Result {
	e.T.Helper()
	return e.Skiff(append([]string{"compose", "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml")}, args...)...)
}

// A reverse proxy (busybox httpd with a CGI relaying through nc) in front
// of two web backends: depends_on orders the start, traffic goes through
// the proxy's published port on 127.0.0.1, restart: always brings a
// killed backend back, ps and down find everything by label, also with -p
// from elsewhere, and down removes exactly what up made.
func TestComposeProxyTwoBackends(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	port := freePort(t)
	dir := composeProject(e, "shop", map[string]string{
		"compose.yaml": fmt.Sprintf(`
services:
  proxy:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www/cgi-bin && cp /relay /www/cgi-bin/r && chmod +x /www/cgi-bin/r && exec httpd -f -p 80 -h /www"]
    volumes: ["./relay.sh:/relay:ro"]
    ports: ["127.0.0.1:%d:80"]
    depends_on: [web1, web2]
    stop_signal: SIGKILL
  web1:
    image: busybox
    command: ["sh", "-c", "mkdir -p /w && echo backend one > /w/index.html && exec httpd -f -p 80 -h /w"]
    restart: always
    stop_signal: SIGKILL
  web2:
    image: busybox
    command: ["sh", "-c", "mkdir -p /w && echo backend two > /w/index.html && exec httpd -f -p 80 -h /w"]
    restart: always
    stop_signal: SIGKILL
`, port),
		"relay.sh": "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nwget -qO- http://$QUERY_STRING/\n",
	})
	// a container outside the project sharing the name prefix: down leaves it
	e.Skiff("run", "-d", "--name", "shop-web1-9", BusyboxImage, "sleep", "600").Success(t)
	compose(e, dir, "up", "-d").Success(t)
	for _, backend := range []string{"web1", "web2"} {
		want := map[string]string{"web1": "backend one", "web2": "backend two"}[backend]
		var body string
		waitUntil(t, 20*time.Second, "the proxy relays to "+backend, func() bool {
			body, _ = netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/r?%s", port, backend))
			return strings.TrimSpace(body) == want
		})
	}
	ps := compose(e, dir, "ps", "--format", "{{.Name}} {{.Service}} {{.State}}").Success(t)
	for _, want := range []string{"shop-proxy-1 proxy running", "shop-web1-1 web1 running", "shop-web2-1 web2 running"} {
		if !strings.Contains(ps.Stdout, want) {
			t.Errorf("compose ps lacks %q:\n%s", want, ps.Stdout)
		}
	}
	labels := inspectField(e, "shop-web1-1", `{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{index .Config.Labels "com.docker.compose.container-number"}} {{index .Config.Labels "com.docker.compose.oneoff"}}`)
	if labels != "shop web1 1 False" {
		t.Errorf("labels of shop-web1-1: %q", labels)
	}
	// restart: always is the monitor's: a killed backend comes back
	pid := pidOf(e, "shop-web1-1")
	netKill9(t, pid)
	waitUntil(t, 20*time.Second, "web1 restarted", func() bool {
		p := inspectField(e, "shop-web1-1", "{{.State.Pid}}")
		return p != "0" && p != fmt.Sprint(pid)
	})
	// -p from another directory finds the project by its labels
	other := e.Mkdir("elsewhere")
	r := e.Skiff("compose", "--project-directory", other, "-p", "shop", "ps", "-q").Success(t)
	if n := len(r.Lines()); n != 3 {
		t.Errorf("compose -p shop ps -q from elsewhere: %d lines\n%s", n, r.Stdout)
	}
	// stop is a user stop: restart: always leaves the backends stopped
	compose(e, dir, "stop", "web1").Success(t)
	time.Sleep(500 * time.Millisecond)
	if st := inspectField(e, "shop-web1-1", "{{.State.Status}}"); st != "exited" {
		t.Errorf("web1 after compose stop: %s", st)
	}
	e.Skiff("compose", "--project-directory", other, "-p", "shop", "down").Success(t)
	left := psAll(e)
	if len(left) != 1 || inspectField(e, "shop-web1-9", "{{.State.Status}}") != "running" {
		t.Errorf("after down: %v", left)
	}
	if out := e.Skiff("network", "ls", "--format", "{{.Name}}").Success(t).Stdout; strings.Contains(out, "shop_default") {
		t.Errorf("down left the network:\n%s", out)
	}
	e.Skiff("rm", "-f", "shop-web1-9").Success(t)
}

// An app and a database-like service: a named volume and env_file; the
// data survives down and a second up, and is gone after down -v.
func TestComposeVolumeEnvFile(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "app", map[string]string{
		"compose.yaml": `
services:
  db:
    image: busybox
    command: ["sh", "-c", "echo $$DB_NAME >> /data/log; exec sleep 600"]
    env_file: [db.env, {path: missing.env, required: false}]
    volumes: [dbdata:/data]
    stop_signal: SIGKILL
  app:
    image: busybox
    command: ["sleep", "600"]
    environment:
      DB: ${DB_HOST:-db}
    depends_on: [db]
    stop_signal: SIGKILL
volumes:
  dbdata:
`,
		"db.env": "DB_NAME=shopdb\n",
	})
	compose(e, dir, "up", "-d").Success(t)
	if v := e.Skiff("volume", "ls", "--format", "{{.Name}}").Success(t).Out(); !strings.Contains(v, "app_dbdata") {
		t.Fatalf("volumes: %s", v)
	}
	if env := compose(e, dir, "exec", "-T", "app", "sh", "-c", "echo $DB").Success(t).Out(); env != "db" {
		t.Errorf("app's DB = %q", env)
	}
	compose(e, dir, "down").Success(t)
	compose(e, dir, "up", "-d").Success(t)
	waitUntil(t, 10*time.Second, "db wrote twice", func() bool {
		return compose(e, dir, "exec", "-T", "db", "cat", "/data/log").Out() == "shopdb\nshopdb"
	})
	compose(e, dir, "down", "-v").Success(t)
	if v := e.Skiff("volume", "ls", "-q").Success(t).Out(); v != "" {
		t.Errorf("volumes after down -v: %s", v)
	}
}

// Two networks with aliases: the front service reaches the api by its
// alias on the shared network, the db is on the back network only and the
// front cannot reach it; --scale web=3 puts three replicas behind the
// service's name (round robin DNS).
func TestComposeNetworksScale(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "nets", map[string]string{
		"compose.yaml": `
services:
  front:
    image: busybox
    command: ["sleep", "600"]
    networks: [front]
    stop_signal: SIGKILL
  api:
    image: busybox
    command: ["sh", "-c", "hostname > /i && exec httpd -f -p 80 -h /"]
    networks:
      front: {aliases: [api.internal]}
      back: {}
    stop_signal: SIGKILL
  db:
    image: busybox
    command: ["sleep", "600"]
    networks: [back]
    stop_signal: SIGKILL
  web:
    image: busybox
    command: ["sh", "-c", "hostname > /i && exec httpd -f -p 80 -h /"]
    networks: [front]
    stop_signal: SIGKILL
networks:
  front:
  back:
`,
	})
	compose(e, dir, "up", "-d", "--scale", "web=3").Success(t)
	out := compose(e, dir, "exec", "-T", "front", "sh", "-c",
		"for i in $(seq 30); do wget -qO- http://api.internal/i && break; sleep 0.2; done; nslookup db >/dev/null 2>&1 && echo db-visible; ping -c1 -W1 nets-db-1 >/dev/null 2>&1 && echo db-reachable; true").Success(t).Out()
	if !strings.HasPrefix(out, inspectField(e, "nets-api-1", "{{.Config.Hostname}}")) || strings.Contains(out, "db-") {
		t.Errorf("from front: %q", out)
	}
	// the service's name answers with the three replicas, first one
	// changing from query to query (round robin)
	first := map[string]bool{}
	for i := 0; i < 30 && len(first) < 3; i++ {
		out := compose(e, dir, "exec", "-T", "front", "nslookup", "web").Success(t).Stdout
		addrs := regexp.MustCompile(`Address:\s+(10\.[0-9.]+)`).FindAllStringSubmatch(out, -1)
		if len(addrs) != 4 { // the server's, then the three replicas'
			t.Fatalf("nslookup web:\n%s", out)
		}
		first[addrs[1][1]] = true
	}
	if len(first) != 3 {
		t.Errorf("the first answer for web was only %v", first)
	}
	if body, err := netHTTPGetVia(e, dir); err != nil || body == "" {
		t.Errorf("wget http://web/: %q %v", body, err)
	}
	if n := len(compose(e, dir, "ps", "-q", "web").Success(t).Lines()); n != 3 {
		t.Errorf("%d web replicas", n)
	}
	compose(e, dir, "down").Success(t)
}

// An edit of one service recreates only it (and a service in its network
// namespace, whose network_mode names the new container, as docker
// compose does); a locally built service; a healthcheck gating a
// service_healthy dependency; --wait.
func TestComposeEditBuildHealthy(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	yaml := `
services:
  db:
    image: busybox
    command: ["sh", "-c", "sleep 1; touch /ready; exec sleep 600"]
    healthcheck: {test: ["CMD", "test", "-f", "/ready"], interval: 200ms, retries: 50}
    stop_signal: SIGKILL
  app:
    build: ./app
    command: ["sleep", "600"]
    environment: [COLOR=%s]
    depends_on:
      db: {condition: service_healthy}
    stop_signal: SIGKILL
  side:
    image: busybox
    command: ["sleep", "600"]
    network_mode: "service:app"
    stop_signal: SIGKILL
`
	dir := composeProject(e, "edit", map[string]string{
		"compose.yaml":   fmt.Sprintf(yaml, "blue"),
		"app/Dockerfile": "FROM busybox\nRUN echo built > /built\n",
	})
	compose(e, dir, "up", "-d", "--wait").Success(t)
	if h := inspectField(e, "edit-db-1", "{{.State.Health.Status}}"); h != "healthy" {
		t.Errorf("db health: %s", h)
	}
	if b := compose(e, dir, "exec", "-T", "app", "cat", "/built").Success(t).Out(); b != "built" {
		t.Errorf("built service: %q", b)
	}
	dbID, appID, sideID := inspectField(e, "edit-db-1", "{{.Id}}"), inspectField(e, "edit-app-1", "{{.Id}}"), inspectField(e, "edit-side-1", "{{.Id}}")
	compose(e, dir, "up", "-d").Success(t)
	if inspectField(e, "edit-db-1", "{{.Id}}") != dbID || inspectField(e, "edit-app-1", "{{.Id}}") != appID || inspectField(e, "edit-side-1", "{{.Id}}") != sideID {
		t.Errorf("up without an edit recreated something")
	}
	e.WriteFile("edit/compose.yaml", fmt.Sprintf(yaml, "green"))
	r := compose(e, dir, "up", "-d").Success(t)
	if inspectField(e, "edit-db-1", "{{.Id}}") != dbID {
		t.Errorf("editing app recreated db:\n%s", r.Stderr)
	}
	if inspectField(e, "edit-app-1", "{{.Id}}") == appID {
		t.Errorf("editing app did not recreate it:\n%s", r.Stderr)
	}
	if inspectField(e, "edit-side-1", "{{.Id}}") == sideID || compose(e, dir, "exec", "-T", "side", "true").Code != 0 {
		t.Errorf("side, in app's network namespace, was not recreated with app:\n%s", r.Stderr)
	}
	compose(e, dir, "down", "--rmi", "local").Success(t)
	if imgs := imageNames(e); strings.Contains(imgs, "edit-app") {
		t.Errorf("down --rmi local left the built image: %s", imgs)
	}
}

// Attached up streams prefixed logs and returns the exit code of
// --exit-code-from's service.
func TestComposeAttachedExitCode(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "att", map[string]string{
		"compose.yaml": `
services:
  server:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  job:
    image: busybox
    command: ["sh", "-c", "echo job says hi; exit 3"]
    depends_on: [server]
`,
	})
	r := compose(e, dir, "up", "--exit-code-from", "job")
	if r.Code != 3 || !regexp.MustCompile(`(?m)^job-1 +\| job says hi$`).MatchString(r.Stdout) {
		t.Errorf("attached up: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	logs := compose(e, dir, "logs", "--no-color", "job").Success(t).Stdout
	if !strings.Contains(logs, "job-1  | job says hi") {
		t.Errorf("compose logs: %q", logs)
	}
	compose(e, dir, "down").Success(t)
}

// Attached up: the first ctrl-C stops every service (each with its stop
// signal and grace period), a second kills what still runs; exit 130.
func TestComposeAttachedCtrlC(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "intr", map[string]string{
		"compose.yaml": `
services:
  polite:
    image: busybox
    command: ["sh", "-c", "trap 'echo polite stops; exit 3' TERM; echo polite up; while :; do sleep 0.1; done"]
  stubborn:
    image: busybox
    command: ["sh", "-c", "trap 'echo stubborn ignores TERM' TERM; echo stubborn up; while :; do sleep 0.1; done"]
    stop_grace_period: 5m
`,
	})
	var out syncBuffer
	cmd := e.Cmd("compose", "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml"), "up")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		compose(e, dir, "down")
	}()
	waitUntil(t, 60*time.Second, "both services' output", func() bool {
		return strings.Contains(out.String(), "polite up") && strings.Contains(out.String(), "stubborn up")
	})
	_ = cmd.Process.Signal(syscall.SIGINT)
	waitUntil(t, 30*time.Second, "polite to stop on the first ctrl-C", func() bool {
		return inspectField(e, "intr-polite-1", "{{.State.Status}}") == "exited"
	})
	if st := inspectField(e, "intr-stubborn-1", "{{.State.Status}}"); st != "running" {
		t.Errorf("stubborn, within its grace period, is %s", st)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("up did not end after a second ctrl-C\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("up after ctrl-C: exit %d, want 130\n%s", code, out.String())
	}
	if got := inspectField(e, "intr-polite-1", "{{.State.ExitCode}}") + " " + inspectField(e, "intr-stubborn-1", "{{.State.Status}} {{.State.ExitCode}}"); got != "3 exited 137" {
		t.Errorf("exit codes after ctrl-C twice: %q\n%s", got, out.String())
	}
	for _, want := range []string{"Gracefully stopping...", "polite-1    | polite stops", "stubborn-1  | stubborn ignores TERM"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("up's output lacks %q:\n%s", want, out.String())
		}
	}
}

// Faults: an invalid file names file, line and field (exit 15), no file
// exits 14, a missing image, a failed build (exit 17) or a dependency
// failing its condition stops up with one line naming the service and
// leaves what runs, a port taken names the service and the port.
func TestComposeFaults(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "bad", map[string]string{
		"compose.yaml": "services:\n  web:\n    image: busybox\n    portz: [80]\n",
	})
	r := compose(e, dir, "config").Fail(t, 15, "compose.yaml:4: services.web.portz is not allowed")
	if n := strings.Count(strings.TrimSpace(r.Stderr), "\n"); n != 0 {
		t.Errorf("more than one line: %q", r.Stderr)
	}
	e.WriteFile("bad/compose.yaml", "services:\n  web:\n    image: [\n")
	compose(e, dir, "config").Fail(t, 15, "compose.yaml:")
	e.WriteFile("bad/compose.yaml", "services:\n  web:\n    image: busybox\n    environment:\n      X: ${UNSET:?set UNSET}\n    depends_on: [db]\n")
	compose(e, dir, "config").Fail(t, 15, "compose.yaml:5: services.web.environment.X: required variable UNSET is missing a value: set UNSET")
	e.Setenv("UNSET", "set")
	compose(e, dir, "config").Fail(t, 15, `compose.yaml:6: service "web" depends on undefined service "db"`)
	e.Skiff("compose", "--project-directory", e.Mkdir("empty"), "ps").Fail(t, 14, "no configuration file provided")

	port := freePort(t)
	e.WriteFile("bad/compose.yaml", fmt.Sprintf(`
services:
  ok:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  taken:
    image: busybox
    command: ["sleep", "600"]
    ports: ["127.0.0.1:%d:80"]
`, port))
	compose(e, dir, "up", "-d", "ok").Success(t)
	okID := inspectField(e, "bad-ok-1", "{{.Id}}")
	l := listenOn(t, port)
	defer l.Close()
	if r := compose(e, dir, "up", "-d").Fail(t, 1, `service "taken"`); !strings.Contains(r.Stderr, fmt.Sprintf("127.0.0.1:%d", port)) {
		t.Errorf("a port taken: the message does not name the port: %q", r.Stderr)
	}
	e.WriteFile("bad/compose.yaml", `
services:
  ok:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  missing:
    image: nosuchimage.invalid/none:1
`)
	r = compose(e, dir, "up", "-d", "--pull", "never")
	if r.Code == 0 || !strings.Contains(r.Stderr, `service "missing"`) {
		t.Errorf("missing image: exit %d, %q", r.Code, r.Stderr)
	}
	if inspectField(e, "bad-ok-1", "{{.Id}} {{.State.Status}}") != okID+" running" {
		t.Errorf("a failed up changed the running service")
	}
	// a failed build (exit 17) and dependencies failing their condition
	// stop up naming the service; what runs is left as it was
	e.WriteFile("bad/compose.yaml", `
services:
  ok:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  broken:
    build:
      context: .
      dockerfile_inline: "FROM busybox\nRUN exit 3\n"
  migrate:
    image: busybox
    command: ["sh", "-c", "exit 2"]
  app:
    image: busybox
    command: ["sleep", "600"]
    depends_on:
      migrate: {condition: service_completed_successfully}
  sick:
    image: busybox
    command: ["sleep", "600"]
    healthcheck: {test: ["CMD", "false"], interval: 200ms, retries: 1}
    stop_signal: SIGKILL
  app2:
    image: busybox
    command: ["sleep", "600"]
    depends_on:
      sick: {condition: service_healthy}
`)
	if r := compose(e, dir, "up", "-d", "broken").Fail(t, 17, `service "broken" failed to build`); strings.Count(r.Stderr, "Error") != 1 {
		t.Errorf("failed build: %q", r.Stderr)
	}
	compose(e, dir, "up", "-d", "app").Fail(t, 1, `service "migrate" didn't complete successfully: exit 2`)
	compose(e, dir, "up", "-d", "app2").Fail(t, 1, "dependency failed to start: container bad-sick-1 is unhealthy")
	if inspectField(e, "bad-ok-1", "{{.Id}} {{.State.Status}}") != okID+" running" {
		t.Errorf("a failed up changed the running service")
	}
	compose(e, dir, "down").Success(t)
}

// docker compose and docker-compose are skiff compose; docker-compose
// --version answers as docker compose's standalone binary does.
func TestComposeDockerNames(t *testing.T) {
	t.Parallel()
	e := New(t)
	if out := e.Docker("compose", "version").Success(t).Out(); !strings.HasPrefix(out, "Docker Compose version v2.") {
		t.Errorf("docker compose version: %q", out)
	}
	link := filepath.Join(e.Dir, "docker-compose")
	if err := os.Symlink(Binary(), link); err != nil {
		t.Fatal(err)
	}
	r := e.run(nil, link, e.GlobalArgs, []string{"version", "--short"}).Success(t)
	if !strings.HasPrefix(r.Out(), "2.") {
		t.Errorf("docker-compose version --short: %q", r.Out())
	}
	// docker compose's hidden --version (-v), which v1's scripts use
	for _, flag := range []string{"--version", "-v"} {
		if out := e.run(nil, link, e.GlobalArgs, []string{flag}).Success(t).Out(); !strings.HasPrefix(out, "Docker Compose version v2.") {
			t.Errorf("docker-compose %s: %q", flag, out)
		}
	}
}

// freePort is a loopback TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	givenPortsMu.Lock()
	defer givenPortsMu.Unlock()
	for {
		l := listenOn(t, 0)
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !givenPorts[port] { // the kernel may offer a port it just gave another test
			givenPorts[port] = true
			return port
		}
	}
}

// givenPorts: the ports freePort has handed out in this run.
var (
	givenPortsMu sync.Mutex
	givenPorts   = map[int]bool{}
)

// listenOn listens on 127.0.0.1:port.
func listenOn(t *testing.T, port int) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// netHTTPGetVia fetches http://web/i from the front service.
func netHTTPGetVia(e *Env, dir string) (string, error) {
	r := compose(e, dir, "exec", "-T", "front", "wget", "-qO-", "http://web/i")
	if r.Code != 0 {
		return "", fmt.Errorf("exit %d: %s", r.Code, r.Stderr)
	}
	return r.Out(), nil
}

// restart SERVICE restarts the services depending on it with
// depends_on restart: true (not the others), unless --no-deps.
func TestComposeRestartDependents(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "rd", map[string]string{
		"compose.yaml": `
services:
  db:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  app:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on:
      db: {condition: service_started, restart: true}
  other:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on: [db]
`,
	})
	compose(e, dir, "up", "-d").Success(t)
	started := func() map[string]string {
		out := map[string]string{}
		for _, s := range []string{"db", "app", "other"} {
			out[s] = inspectField(e, "rd-"+s+"-1", "{{.State.StartedAt}}")
		}
		return out
	}
	before := started()
	time.Sleep(1100 * time.Millisecond)
	compose(e, dir, "restart", "db").Success(t)
	after := started()
	if after["db"] == before["db"] || after["app"] == before["app"] || after["other"] != before["other"] {
		t.Errorf("restart db: before %v, after %v (db and app restarted, other not)", before, after)
	}
	time.Sleep(1100 * time.Millisecond)
	compose(e, dir, "restart", "--no-deps", "db").Success(t)
	if again := started(); again["db"] == after["db"] || again["app"] != after["app"] {
		t.Errorf("restart --no-deps db: before %v, after %v (db only)", after, again)
	}
	// also with -p alone, from the containers' labels
	time.Sleep(1100 * time.Millisecond)
	e.Skiff("compose", "--project-directory", e.Mkdir("elsewhere"), "-p", "rd", "restart", "db").Success(t)
	if last := started(); last["app"] == after["app"] {
		t.Errorf("restart db with -p: app not restarted")
	}
	compose(e, dir, "down").Success(t)
}
