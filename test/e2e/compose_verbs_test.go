package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The verbs and the fields of issue 12 that the other compose tests do
// not use, together on one project pulled from and pushed to the test
// registry: pull, create, start, build, push, port (tcp and a udp
// range), top, pause and unpause, ps --status, cp both ways, exec -d and
// --index, run with --service-ports, --name, --entrypoint, -p, -v, -u,
// -w and -e, up --no-recreate, --force-recreate and --remove-orphans,
// rm -s -v, ls -a --format json, down --rmi all -v; network_mode host
// and service:, ipc and pid service:, an external network and volume
// (left in place by down), a volume's driver_opts.
func TestComposeVerbs(t *testing.T) {
	Require(t, "busybox", "registry")
	t.Parallel()
	e := New(t)
	e.RegistriesConf("")
	ref := RegistryImage(t, "busybox")
	repo := repoFor(t, Registry(t).Addr)
	port, udp := freePort(t), freeUDPPair(t)
	extNet, extVol := netName(t, "n"), netName(t, "v")
	e.Skiff("network", "create", extNet).Success(t)
	e.Skiff("volume", "create", extVol).Success(t)
	project := fmt.Sprintf(`
services:
  app:
    image: %[1]s
    command: ["sh", "-c", "mkdir -p /w && echo ok > /w/i && exec httpd -f -p 8080 -h /w"]
    ipc: shareable
    ports: ["127.0.0.1:%[2]d:8080", "127.0.0.1:%[3]d-%[4]d:5353-5354/udp"]
    networks: [default, ext]
    volumes: [opts:/opts, ext:/ext]
    stop_signal: SIGKILL
  joined:
    image: %[1]s
    command: ["sleep", "600"]
    network_mode: "service:app"
    ipc: "service:app"
    pid: "service:app"
    depends_on: [app]
    stop_signal: SIGKILL
  hostnet:
    image: %[1]s
    command: ["sleep", "600"]
    network_mode: host
    stop_signal: SIGKILL
  pushed:
    image: %[5]s:v1
    build:
      context: .
      dockerfile_inline: |
        FROM %[1]s
        RUN echo built > /built
    command: ["sleep", "600"]
    stop_signal: SIGKILL
networks:
  ext: {external: true, name: %[6]s}
volumes:
  opts:
    driver_opts: {type: tmpfs, device: tmpfs, o: "size=1m"}
  ext: {external: true, name: %[7]s}
`, ref, port, udp, udp+1, repo, extNet, extVol)
	dir := composeProject(e, "verbs", map[string]string{"compose.yaml": project})

	compose(e, dir, "pull", "app", "joined", "hostnet").Success(t)
	if out := e.Skiff("images", "--format", "{{.Repository}}").Success(t).Out(); !strings.Contains(out, strings.Split(ref, ":latest")[0]) {
		t.Fatalf("compose pull: images are %q", out)
	}
	compose(e, dir, "build", "pushed").Success(t)
	compose(e, dir, "push", "pushed").Success(t)
	if tags := registryTags(t, repo); !strings.Contains(tags, `"v1"`) {
		t.Errorf("after compose push, the registry's tags of %s: %s", repo, tags)
	}

	compose(e, dir, "create").Success(t)
	if got := compose(e, dir, "ps", "-a", "--status", "created", "--services").Out(); got != "app\nhostnet\njoined\npushed" {
		t.Errorf("after create, ps --status created --services: %q", got)
	}
	compose(e, dir, "start").Success(t)
	for _, svc := range []string{"app", "joined", "hostnet", "pushed"} {
		waitStatus(e, "verbs-"+svc+"-1", "running")
	}

	// ports, tcp and a udp range
	if body, err := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/i", port)); err != nil || body != "ok\n" {
		t.Errorf("published port: %q, %v", body, err)
	}
	if got := compose(e, dir, "port", "app", "8080").Success(t).Out(); got != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("port app 8080: %q", got)
	}
	if got := compose(e, dir, "port", "--protocol", "udp", "app", "5354").Success(t).Out(); got != fmt.Sprintf("127.0.0.1:%d", udp+1) {
		t.Errorf("port --protocol udp app 5354: %q", got)
	}
	// network, ipc and pid namespaces shared with app; the host's network
	in := func(svc, script string) string {
		t.Helper()
		return compose(e, dir, "exec", "-T", svc, "sh", "-c", script).Success(t).Out()
	}
	if got := in("joined", "wget -qO- http://localhost:8080/i; ps -o comm | grep -c httpd"); got != "ok\n1" {
		t.Errorf("joined's view of app's network and processes: %q", got)
	}
	appIPC := in("app", "readlink /proc/self/ns/ipc")
	if got := in("joined", "readlink /proc/self/ns/ipc"); got != appIPC {
		t.Errorf("joined's ipc namespace %s, app's %s", got, appIPC)
	}
	if got := in("hostnet", fmt.Sprintf("wget -qO- http://127.0.0.1:%d/i; hostname", port)); got != "ok\n"+mustHostname(t) {
		t.Errorf("hostnet (network_mode host): %q", got)
	}
	// the driver_opts volume is a tmpfs; the external volume is the one made above
	if got := in("app", "grep -c ' /opts tmpfs ' /proc/mounts; echo kept > /ext/f"); got != "1" {
		t.Errorf("opts volume with driver_opts type tmpfs: %q", got)
	}
	if got := in("pushed", "cat /built"); got != "built" {
		t.Errorf("built service: %q", got)
	}

	// top, pause and unpause, cp, exec -d and --index
	if out := compose(e, dir, "top", "app").Success(t).Stdout; !strings.Contains(out, "verbs-app-1") || !strings.Contains(out, "httpd") {
		t.Errorf("top app:\n%s", out)
	}
	if canLimit() {
		compose(e, dir, "pause", "app").Success(t)
		if got := compose(e, dir, "ps", "--status", "paused", "--format", "{{.Name}}").Success(t).Out(); got != "verbs-app-1" {
			t.Errorf("ps --status paused: %q", got)
		}
		compose(e, dir, "unpause", "app").Success(t)
	} else {
		// no cgroup freezer (rootless without a delegated v2 subtree): run's message
		compose(e, dir, "pause", "app").Fail(t, 1, "skiff needs a cgroup freezer")
	}
	e.WriteFile("verbs/in.txt", "copied in\n")
	compose(e, dir, "cp", filepath.Join(dir, "in.txt"), "app:/tmp/in.txt").Success(t)
	compose(e, dir, "cp", "app:/tmp/in.txt", filepath.Join(dir, "out.txt")).Success(t)
	if b, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || string(b) != "copied in\n" {
		t.Errorf("cp in and out: %q, %v", b, err)
	}
	compose(e, dir, "exec", "-d", "app", "sh", "-c", "echo detached > /tmp/d").Success(t)
	waitUntil(t, 10*time.Second, "exec -d's file", func() bool {
		return compose(e, dir, "exec", "-T", "--index", "1", "app", "cat", "/tmp/d").Out() == "detached"
	})
	compose(e, dir, "exec", "-T", "--index", "2", "app", "true").Fail(t, 1, "")

	// run: one-off containers
	if got := compose(e, dir, "run", "--rm", "-T", "--entrypoint", "/bin/echo", "app", "via", "entrypoint").Success(t).Out(); got != "via entrypoint" {
		t.Errorf("run --entrypoint: %q", got)
	}
	e.WriteFile("verbs/m/f", "mounted\n")
	script := "echo $A $(pwd) $(id -u); cat /m/f"
	if got := compose(e, dir, "run", "--rm", "-T", "-e", "A=b", "-w", "/tmp", "-u", "1", "-v", filepath.Join(dir, "m")+":/m", "app", "sh", "-c", script).Success(t).Out(); got != "b /tmp 1\nmounted" {
		t.Errorf("run -e -w -u -v: %q", got)
	}
	port2 := freePort(t)
	compose(e, dir, "run", "-d", "--name", "verbs-oneoff", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port2), "app").Success(t)
	if body, err := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/i", port2)); err != nil || body != "ok\n" {
		t.Errorf("run -p: %q, %v", body, err)
	}
	if got := inspectField(e, "verbs-oneoff", `{{index .Config.Labels "com.docker.compose.oneoff"}}`); got != "True" {
		t.Errorf("run's container is not labelled one-off: %q", got)
	}
	e.Skiff("rm", "-f", "verbs-oneoff").Success(t)
	compose(e, dir, "stop", "app").Success(t)
	compose(e, dir, "run", "-d", "--name", "verbs-ports", "--service-ports", "app").Success(t)
	if body, err := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/i", port)); err != nil || body != "ok\n" {
		t.Errorf("run --service-ports: %q, %v", body, err)
	}
	e.Skiff("rm", "-f", "verbs-ports").Success(t)

	// up --no-recreate after an edit keeps the containers; --force-recreate
	// makes one again; a service removed from the file is an orphan
	ids := func() map[string]string {
		m := map[string]string{}
		for _, l := range compose(e, dir, "ps", "-a", "--format", "{{.Service}} {{.ID}}").Success(t).Lines() {
			if f := strings.Fields(l); len(f) == 2 {
				m[f[0]] = f[1]
			}
		}
		return m
	}
	before := ids()
	e.WriteFile("verbs/compose.yaml", strings.Replace(project, `command: ["sleep", "600"]
    network_mode: host`, `command: ["sleep", "601"]
    network_mode: host`, 1))
	compose(e, dir, "up", "-d", "--no-recreate").Success(t)
	if after := ids(); after["hostnet"] != before["hostnet"] || after["app"] != before["app"] {
		t.Errorf("up --no-recreate after an edit recreated: %v -> %v", before, after)
	}
	waitStatus(e, "verbs-app-1", "running")
	compose(e, dir, "up", "-d", "--force-recreate", "pushed").Success(t)
	if after := ids(); after["pushed"] == before["pushed"] || after["app"] != before["app"] {
		t.Errorf("up --force-recreate pushed: %v -> %v", before, after)
	}
	e.WriteFile("verbs/compose.yaml", strings.Replace(project, "  hostnet:\n", "  hostnet2:\n", 1))
	if r := compose(e, dir, "up", "-d", "--no-recreate").Success(t); !strings.Contains(r.Stderr, "orphan") || !strings.Contains(r.Stderr, "verbs-hostnet-1") {
		t.Errorf("up with an orphan does not warn: %s", r.Stderr)
	}
	compose(e, dir, "up", "-d", "--no-recreate", "--remove-orphans").Success(t)
	if _, ok := ids()["hostnet"]; ok {
		t.Errorf("up --remove-orphans left hostnet: %v", ids())
	}

	// rm -s -f, ls -a --format json
	compose(e, dir, "rm", "-s", "-f", "-v", "hostnet2").Success(t)
	if _, ok := ids()["hostnet2"]; ok {
		t.Errorf("rm -s -f hostnet2 left it")
	}
	var listed []struct{ Name, Status, ConfigFiles string }
	if err := json.Unmarshal([]byte(e.Skiff("compose", "ls", "-a", "--format", "json").Success(t).Stdout), &listed); err != nil {
		t.Fatalf("ls --format json: %v", err)
	}
	if len(listed) != 1 || listed[0].Name != "verbs" || !strings.HasPrefix(listed[0].Status, "running(") || listed[0].ConfigFiles != filepath.Join(dir, "compose.yaml") {
		t.Errorf("ls -a --format json: %+v", listed)
	}

	// down --rmi all -v: the project's containers, network, volume and
	// images go; the external network and volume stay
	compose(e, dir, "down", "--rmi", "all", "-v").Success(t)
	if out := e.Skiff("ps", "-aq").Success(t).Out(); out != "" {
		t.Errorf("down left containers: %s", out)
	}
	if out := e.Skiff("images", "-q").Success(t).Out(); out != "" {
		t.Errorf("down --rmi all left images: %s", out)
	}
	if out := e.Skiff("volume", "ls", "-q").Success(t).Out(); out != extVol {
		t.Errorf("down -v: volumes %q, want only the external %s", out, extVol)
	}
	if out := e.Skiff("network", "ls", "--format", "{{.Name}}").Success(t).Stdout; !strings.Contains(out, extNet) || strings.Contains(out, "verbs_default") {
		t.Errorf("down: networks %q", out)
	}
	if got := e.Skiff("run", "--rm", "-v", extVol+":/v", ref, "cat", "/v/f").Success(t).Out(); got != "kept" {
		t.Errorf("the external volume's file: %q", got)
	}
}

// freeUDPPair is the first of two consecutive loopback UDP ports nothing
// uses now.
func freeUDPPair(t *testing.T) int {
	t.Helper()
	for range 50 {
		a, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		b, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p+1))
		a.Close()
		if err == nil {
			b.Close()
			return p
		}
	}
	t.Fatal("no two consecutive free UDP ports")
	return 0
}

// registryTags is the registry's tag list of repo (HOST:PORT/NAME).
func registryTags(t *testing.T, repo string) string {
	t.Helper()
	host, name, _ := strings.Cut(repo, "/")
	resp, err := http.Get("http://" + host + "/v2/" + name + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func mustHostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
