package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The commands, flags and fields of issue 12 the other compose tests
// leave out, on one busybox project found as docker-compose.yml from a
// subdirectory (no -f): config's outputs (YAML, JSON, --services,
// --volumes, --images), -f twice and -f -, COMPOSE_PROJECT_NAME,
// COMPOSE_PROFILES, --env-file; the labels docker compose puts on
// containers; deploy replicas and restart_policy, cap_add,
// container_name, entrypoint, dns, ports' long syntax, a bind's
// create_host_path, a volume's nocopy and read_only, an anonymous and a
// tmpfs volume, a config from a file, network_mode container: and none,
// a dependency with required: false, a named internal bridge network
// and a named volume; exec -e -w -u; logs -f and --tail with coloured
// prefixes; kill -s; ps's table and JSON; images; wait; rm -v; up
// --no-deps, --build, --no-build and --abort-on-container-exit; run
// --no-deps; build with a dockerfile, target, args, labels, secrets and
// cache_from, --build-arg and --no-cache; down --remove-orphans.
func TestComposeFlagsRest(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	port := freePort(t)
	project := fmt.Sprintf(`
services:
  web:
    image: busybox
    command: ["sh", "-c", "trap 'echo got usr1' USR1; echo web one; echo web two; echo web three; while :; do sleep 0.1; done"]
    cap_add: [NET_ADMIN]
    deploy:
      replicas: 2
      restart_policy: {condition: on-failure, max_attempts: 2}
    volumes:
      - {type: bind, source: ./made, target: /made, bind: {create_host_path: true}}
      - {type: volume, source: bare, target: /home, volume: {nocopy: true}}
    networks: [inside]
    dns: [192.0.2.53]
    stop_signal: SIGKILL
  plain:
    image: busybox
    container_name: rest-plain
    entrypoint: ["sh", "-c"]
    command: ["mkdir -p /w && echo plain > /w/i && exec httpd -f -p 80 -h /w"]
    ports: [{target: 80, published: "%d", host_ip: 127.0.0.1, protocol: tcp}]
    volumes:
      - copied:/home
      - {type: volume, source: copied, target: /ro, read_only: true}
      - /anon
      - {type: tmpfs, target: /scratch, tmpfs: {size: 1m}}
    configs: [{source: cfgfile, target: /etc/c.conf}]
    depends_on: [web]
    stop_signal: SIGKILL
  joiner:
    image: busybox
    command: ["sleep", "600"]
    network_mode: "container:rest-plain"
    depends_on:
      plain: {condition: service_started}
      ghost: {condition: service_started, required: false}
    profiles: [join]
    stop_signal: SIGKILL
  loner:
    image: busybox
    command: ["sleep", "600"]
    network_mode: none
    profiles: [join]
    stop_signal: SIGKILL
  ghost:
    image: busybox
    profiles: [ghost]
  built:
    build:
      context: ./b
      dockerfile: Build.file
      target: final
      args: {A: from-file}
      labels: {built.by: rest}
      cache_from: [busybox]
      secrets: [bsecret]
    command: ["sleep", "600"]
    profiles: [build]
    stop_signal: SIGKILL
  job:
    image: busybox
    command: ["sh", "-c", "echo job ${JOB_WORD:-unset}; exit 4"]
    profiles: [job]
networks:
  inside: {internal: true, driver: bridge, name: rest-inner}
volumes:
  bare: {name: rest-bare-vol}
  copied:
secrets:
  bsecret: {file: ./bsecret.txt}
configs:
  cfgfile: {file: ./job.env}
`, port)
	dir := composeProject(e, "rest", map[string]string{
		"docker-compose.yml": project,
		// the target's stage comes first: the one after it fails if built
		"b/Build.file": "FROM busybox AS final\nARG A\nRUN --mount=type=secret,id=bsecret cat /run/secrets/bsecret > /s\n" +
			"RUN echo $A $(cat /proc/sys/kernel/random/uuid) > /a\nFROM busybox AS other\nRUN false\n",
		"job.env":      "JOB_WORD=from-env-file\n",
		"bsecret.txt":  "build secret\n",
		"override.yml": "services:\n  web:\n    environment: {FROM_OVERRIDE: \"1\"}\n",
		"sub/.keep":    "",
	})
	top := e.Dir
	e.Dir = filepath.Join(dir, "sub") // the file is found in the parent directory
	write := func(name, content string) {
		e.Dir = top
		e.WriteFile(name, content)
		e.Dir = filepath.Join(dir, "sub")
	}
	c := func(args ...string) Result {
		t.Helper()
		return e.Skiff(append([]string{"compose"}, args...)...)
	}

	// config
	if got := c("config", "--services").Success(t).Out(); got != "plain\nweb" {
		t.Errorf("config --services: %q", got)
	}
	if got := c("config", "--volumes").Success(t).Out(); got != "bare\ncopied" {
		t.Errorf("config --volumes: %q", got)
	}
	if got := c("--profile", "build", "config", "--images").Success(t).Out(); got != "rest-built\nbusybox" {
		t.Errorf("--profile build config --images: %q", got)
	}
	var model struct {
		Name     string
		Services map[string]struct{ Deploy struct{ Replicas int } }
	}
	if err := json.Unmarshal([]byte(c("config", "--format", "json").Success(t).Stdout), &model); err != nil ||
		model.Name != "rest" || model.Services["web"].Deploy.Replicas != 2 {
		t.Errorf("config --format json: %+v, %v", model, err)
	}
	var merged struct {
		Services map[string]struct{ Environment map[string]string }
	}
	if err := json.Unmarshal([]byte(c("-f", "../docker-compose.yml", "-f", "../override.yml", "config", "--format", "json").Success(t).Stdout), &merged); err != nil ||
		merged.Services["web"].Environment["FROM_OVERRIDE"] != "1" {
		t.Errorf("-f twice: %+v, %v", merged, err)
	}
	if y := c("config").Success(t).Stdout; !strings.HasPrefix(y, "name: rest\n") || !strings.Contains(y, "internal: true") {
		t.Errorf("config (YAML):\n%s", y)
	}
	if got := e.SkiffStdin(strings.NewReader("services: {x: {image: busybox}}\n"), "compose", "-p", "fromstdin", "-f", "-", "config", "--services").Success(t).Out(); got != "x" {
		t.Errorf("-f -: %q", got)
	}
	saved := e.Env
	e.Setenv("COMPOSE_PROJECT_NAME", "other")
	e.Setenv("COMPOSE_PROFILES", "job")
	if y := c("config").Success(t).Stdout; !strings.HasPrefix(y, "name: other\n") || !strings.Contains(y, "job unset") {
		t.Errorf("config with COMPOSE_PROJECT_NAME=other and COMPOSE_PROFILES=job:\n%s", y)
	}
	e.Env = saved

	c("up", "-d").Success(t)
	if ps := c("ps").Success(t).Lines(); len(ps) != 4 || !strings.HasPrefix(ps[0], "NAME ") || !strings.Contains(ps[0], "SERVICE") {
		t.Errorf("ps (table):\n%s", strings.Join(ps, "\n"))
	}
	var names []string
	for _, l := range c("ps", "--format", "json").Success(t).Lines() {
		var row struct{ Name, Service, State, Project string }
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("ps --format json line %q: %v", l, err)
		}
		names = append(names, row.Name+" "+row.Service+" "+row.State+" "+row.Project)
	}
	slices.Sort(names)
	if want := []string{"rest-plain plain running rest", "rest-web-1 web running rest", "rest-web-2 web running rest"}; !slices.Equal(names, want) {
		t.Errorf("ps --format json: %v, want %v", names, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "made")); err != nil {
		t.Errorf("bind with create_host_path: %v", err)
	}
	labels := inspectField(e, "rest-plain", `{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}
{{end}}`)
	for _, want := range []string{
		"com.docker.compose.project=rest\n", "com.docker.compose.service=plain\n", "com.docker.compose.container-number=1\n",
		"com.docker.compose.oneoff=False\n", "com.docker.compose.project.working_dir=" + dir + "\n",
		"com.docker.compose.project.config_files=" + filepath.Join(dir, "docker-compose.yml") + "\n",
		"com.docker.compose.depends_on=web:service_started:false\n", "com.docker.compose.version=2.",
		"com.docker.compose.image=sha256:",
	} {
		if !strings.Contains(labels, want) {
			t.Errorf("rest-plain's labels lack %q:\n%s", want, labels)
		}
	}
	if !regexp.MustCompile(`(?m)^com\.docker\.compose\.config-hash=[0-9a-f]{64}$`).MatchString(labels) {
		t.Errorf("rest-plain's config hash:\n%s", labels)
	}
	if got := inspectField(e, "rest-web-2", "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}"); got != "on-failure:2" {
		t.Errorf("deploy.restart_policy: %q", got)
	}
	if got := e.Skiff("network", "inspect", "--format", "{{.Internal}} {{.Driver}}", "rest-inner").Success(t).Out(); got != "true bridge" {
		t.Errorf("internal network named rest-inner: %q", got)
	}
	if got := inspectField(e, "rest-web-1", "{{.HostConfig.Dns}}") + " " + inspectField(e, "rest-plain", "{{json .Config.Entrypoint}}"); got != `[192.0.2.53] ["sh","-c"]` {
		t.Errorf("dns of web, entrypoint of plain: %q", got)
	}
	// ports' long syntax; a read-only volume; a config from a file
	if body, err := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/i", port)); err != nil || body != "plain\n" {
		t.Errorf("published port (long syntax): %q, %v", body, err)
	}
	if got := c("exec", "-T", "plain", "sh", "-c", "touch /ro/x 2>/dev/null || echo ro; cat /etc/c.conf; df -k /scratch | awk 'NR==2 {print $2}'").Success(t).Out(); got != "ro\nJOB_WORD=from-env-file\n1024" {
		t.Errorf("plain's read-only volume, config file and 1m tmpfs volume: %q", got)
	}
	// network_mode container: and none; a dependency not required (of a
	// profile not enabled)
	c("--profile", "join", "up", "-d", "joiner", "loner").Success(t)
	if got := c("exec", "-T", "joiner", "wget", "-qO-", "http://localhost/i").Success(t).Out(); got != "plain" {
		t.Errorf("joiner in plain's network namespace: %q", got)
	}
	if got := c("exec", "-T", "loner", "sh", "-c", "ip -o link | wc -l").Success(t).Out(); got != "1" {
		t.Errorf("network_mode none: %q links", got)
	}
	c("--profile", "join", "rm", "-s", "-f", "joiner", "loner").Success(t)
	// cap_add, volume nocopy (the image's /home is not copied in), exec's flags
	if got := c("exec", "-T", "web", "sh", "-c", "ip link set lo mtu 1400 && echo admin; ls /home").Success(t).Out(); got != "admin" {
		t.Errorf("web (cap_add NET_ADMIN, nocopy volume on /home): %q", got)
	}
	if got := c("exec", "-T", "plain", "sh", "-c", "ip link set lo mtu 1400 2>/dev/null || echo no-admin; ls /home").Success(t).Out(); got != "no-admin\nskiffuser" {
		t.Errorf("plain (no cap_add, volume copied from the image): %q", got)
	}
	web2 := inspectField(e, "rest-web-2", "{{.Config.Hostname}}")
	if got := c("exec", "-T", "-e", "Z=1", "-w", "/tmp", "-u", "5", "--index", "2", "web", "sh", "-c", "echo $Z $(pwd) $(id -u) $(hostname)").Success(t).Out(); got != "1 /tmp 5 "+web2 {
		t.Errorf("exec -e -w -u --index 2: %q", got)
	}

	// logs --tail, coloured prefixes, -f; kill -s reaches both replicas
	waitUntil(t, 20*time.Second, "both replicas' third line", func() bool {
		return strings.Count(c("logs", "web").Stdout, "web three") == 2
	})
	tail := c("logs", "--tail", "1", "--no-color", "web").Success(t).Lines()
	slices.Sort(tail)
	if want := []string{"web-1  | web three", "web-2  | web three"}; !slices.Equal(tail, want) {
		t.Errorf("logs --tail 1: %q, want %q", tail, want)
	}
	if got := c("--ansi", "always", "logs", "--tail", "1", "--index", "1", "web").Success(t).Out(); !regexp.MustCompile(`^\x1b\[[0-9;]+mweb-1  \|\x1b\[0m web three$`).MatchString(got) {
		t.Errorf("coloured prefix: %q", got)
	}
	var follow syncBuffer
	f := e.Cmd("compose", "logs", "-f", "--no-log-prefix", "--index", "1", "web")
	f.Stdout, f.Stderr = &follow, &follow
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "logs -f's first lines", func() bool { return strings.Contains(follow.String(), "web three") })
	c("kill", "-s", "USR1", "web").Success(t)
	waitUntil(t, 20*time.Second, "logs -f to follow the signal's line", func() bool { return strings.Contains(follow.String(), "got usr1") })
	_ = f.Process.Kill()
	_ = f.Wait()
	if n := strings.Count(c("logs", "web").Stdout, "got usr1"); n != 2 {
		t.Errorf("kill -s USR1 web reached %d replicas", n)
	}
	if got := c("images", "--format", "{{.ContainerName}} {{.Repository}} {{.Tag}}").Success(t).Lines(); !slices.Contains(got, "rest-plain busybox latest") || len(got) != 3 {
		t.Errorf("images: %q", got)
	}

	// up --no-deps and run --no-deps leave web stopped; run without it starts web
	c("stop").Success(t)
	c("up", "-d", "--no-deps", "plain").Success(t)
	c("run", "--rm", "-T", "--no-deps", "plain", "true").Success(t)
	if got := inspectField(e, "rest-plain", "{{.State.Status}}") + " " + inspectField(e, "rest-web-1", "{{.State.Status}}"); got != "running exited" {
		t.Errorf("after up --no-deps plain and run --no-deps: plain, web %q", got)
	}
	c("run", "--rm", "-T", "plain", "true").Success(t)
	if got := inspectField(e, "rest-web-1", "{{.State.Status}}"); got != "running" {
		t.Errorf("run plain did not start its dependency web: %s", got)
	}

	// --env-file, --abort-on-container-exit (the exiting container's code), wait
	envFile := filepath.Join(dir, "job.env")
	r := c("--env-file", envFile, "--profile", "job", "up", "--no-color", "--abort-on-container-exit", "job")
	if r.Code != 4 || !strings.Contains(r.Stdout, "job-1  | job from-env-file") {
		t.Errorf("up --abort-on-container-exit job: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if got := c("--profile", "job", "wait", "job").Fail(t, 4, "").Out(); got != "4" {
		t.Errorf("wait job: %q", got)
	}

	// build: dockerfile, target, args (--build-arg over the file's), labels;
	// the cache unless --no-cache
	built := func() string {
		t.Helper()
		return c("--profile", "build", "run", "--rm", "-T", "built", "cat", "/a").Success(t).Out()
	}
	c("--profile", "build", "build", "--build-arg", "A=from-flag", "built").Success(t)
	first := built()
	if !strings.HasPrefix(first, "from-flag ") {
		t.Errorf("build --build-arg A=from-flag: /a is %q", first)
	}
	if got := e.Skiff("image", "inspect", "--format", `{{index .Config.Labels "built.by"}}`, "rest-built").Success(t).Out(); got != "rest" {
		t.Errorf("build labels: %q", got)
	}
	if got := c("--profile", "build", "run", "--rm", "-T", "built", "cat", "/s").Success(t).Out(); got != "build secret" {
		t.Errorf("build secret: %q", got)
	}
	c("--profile", "build", "build", "--build-arg", "A=from-flag", "built").Success(t)
	if again := built(); again != first {
		t.Errorf("a second build did not use the cache: %q, then %q", first, again)
	}
	c("--profile", "build", "build", "--no-cache", "--build-arg", "A=from-flag", "built").Success(t)
	if again := built(); again == first || !strings.HasPrefix(again, "from-flag ") {
		t.Errorf("build --no-cache: %q, then %q", first, again)
	}
	// up --no-build keeps the image there; --build builds the edited file
	write("rest/b/Build.file", "FROM busybox AS final\nARG A\nRUN echo $A > /a\nFROM busybox AS other\nRUN false\n")
	c("--profile", "build", "up", "-d", "--no-build", "built").Success(t)
	if got := c("--profile", "build", "exec", "-T", "built", "cat", "/a").Success(t).Out(); !strings.HasPrefix(got, "from-flag ") {
		t.Errorf("up --no-build: /a is %q", got)
	}
	c("--profile", "build", "up", "-d", "--build", "built").Success(t)
	if got := c("--profile", "build", "exec", "-T", "built", "cat", "/a").Success(t).Out(); got != "from-file" {
		t.Errorf("up --build after an edit: /a is %q", got)
	}

	// rm -v takes the anonymous volume (run --rm took its own)
	vols := func() (named []string, anonymous int) {
		for _, v := range e.Skiff("volume", "ls", "--format", "{{.Name}}").Success(t).Lines() {
			if strings.HasPrefix(v, "rest") {
				named = append(named, v)
			} else {
				anonymous++
			}
		}
		slices.Sort(named)
		return named, anonymous
	}
	if named, anonymous := vols(); anonymous != 1 || len(named) != 2 {
		t.Errorf("before rm -v: volumes %v and %d anonymous, want 2 and 1", named, anonymous)
	}
	c("rm", "-s", "-f", "-v", "plain").Success(t)
	if named, anonymous := vols(); anonymous != 0 || len(named) != 2 {
		t.Errorf("rm -v plain: volumes %v and %d anonymous", named, anonymous)
	}

	// a service renamed: its containers are orphans; down --remove-orphans
	// removes them with the rest and the network, not the volumes
	write("rest/docker-compose.yml", strings.Replace(project, "  job:\n", "  job2:\n", 1))
	if r := c("down").Success(t); !strings.Contains(r.Stderr, "orphan") || !strings.Contains(r.Stderr, "rest-job-1") {
		t.Errorf("down with an orphan does not warn:\n%s", r.Stderr)
	}
	c("down", "--remove-orphans").Success(t)
	if left := psAll(e); len(left) != 0 {
		t.Errorf("down --remove-orphans left %v", left)
	}
	if nets := e.Skiff("network", "ls", "--format", "{{.Name}}").Success(t).Out(); strings.Contains(nets, "rest_") {
		t.Errorf("down --remove-orphans left networks: %s", nets)
	}
	if named, _ := vols(); !slices.Equal(named, []string{"rest-bare-vol", "rest_copied"}) {
		t.Errorf("down without -v: volumes %v", named)
	}
	c("down", "-v").Success(t)
	if vols := e.Skiff("volume", "ls", "-q").Success(t).Out(); vols != "" {
		t.Errorf("down -v left volumes %q", vols)
	}
}
