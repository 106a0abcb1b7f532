package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Service fields the other compose tests leave out, each checked from
// inside the container: privileged, security_opt (seccomp, no new
// privileges, label), shm_size, tty and stdin_open, logging (json-file
// rotation options, the none driver refusing logs as docker does),
// dns_opt, and networks' priority (the highest is the first interface and
// carries the default route, as with docker compose).
func TestComposeMoreFields(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "more", map[string]string{
		"compose.yaml": `
name: more
services:
  priv:
    image: busybox
    command: ["sleep", "600"]
    privileged: true
    stop_signal: SIGKILL
  privnnp:
    image: busybox
    command: ["sleep", "600"]
    privileged: true
    security_opt: ["no-new-privileges:true"]
    stop_signal: SIGKILL
  unconfined:
    image: busybox
    command: ["sleep", "600"]
    security_opt: ["seccomp=unconfined", "no-new-privileges:false", "label=disable"]
    stop_signal: SIGKILL
  plain:
    image: busybox
    command: ["sleep", "600"]
    security_opt: ["no-new-privileges"]
    shm_size: 8m
    dns_opt: ["ndots:3", "timeout:2"]
    networks:
      alow: {priority: 10}
      zhigh: {priority: 100}
    stop_signal: SIGKILL
  term:
    image: busybox
    command: ["sh", "-c", "[ -t 0 ] && echo stdin-tty; [ -t 1 ] && echo stdout-tty; exec sleep 600"]
    tty: true
    stdin_open: true
    stop_signal: SIGKILL
  open:
    image: busybox
    command: ["sleep", "600"]
    stdin_open: true
    stop_signal: SIGKILL
  chatty:
    image: busybox
    command: ["sh", "-c", "i=0; while [ $$i -lt 300 ]; do i=$$((i+1)); echo line $$i of the chatty service; done; exec sleep 600"]
    logging:
      driver: json-file
      options: {max-size: 1k, max-file: "2"}
    stop_signal: SIGKILL
  quiet:
    image: busybox
    command: ["sh", "-c", "echo unseen; exec sleep 600"]
    logging: {driver: none}
    stop_signal: SIGKILL
networks:
  alow:
  zhigh:
`,
	})
	compose(e, dir, "up", "-d").Success(t)
	in := func(svc, script string) string {
		t.Helper()
		return compose(e, dir, "exec", "-T", svc, "sh", "-c", script).Success(t).Out()
	}
	status := "grep -E '^(NoNewPrivs|Seccomp):' /proc/1/status | tr -d '\\t'"
	// privileged: every capability, no seccomp filter, mount allowed
	if got := in("priv", status+"; mkdir -p /tmp/m && mount -t tmpfs t /tmp/m && echo mounted"); got != "NoNewPrivs:0\nSeccomp:0\nmounted" {
		t.Errorf("privileged: %q", got)
	}
	// privileged keeps no-new-privileges when security_opt asks for it, as
	// with docker
	if got := in("privnnp", status); got != "NoNewPrivs:1\nSeccomp:0" {
		t.Errorf("privileged with security_opt no-new-privileges: %q", got)
	}
	if got := in("plain", status+"; mkdir -p /tmp/m && mount -t tmpfs t /tmp/m 2>/dev/null || echo refused"); got != "NoNewPrivs:1\nSeccomp:2\nrefused" {
		t.Errorf("security_opt no-new-privileges (default seccomp): %q", got)
	}
	if got := in("unconfined", status); got != "NoNewPrivs:0\nSeccomp:0" {
		t.Errorf("security_opt seccomp=unconfined, no-new-privileges:false: %q", got)
	}
	// shm_size and dns_opt
	if got := in("plain", "df -k /dev/shm | awk 'NR==2 {print $2}'; grep '^options' /etc/resolv.conf"); got != "8192\noptions ndots:3 timeout:2" {
		t.Errorf("shm_size 8m and dns_opt: %q", got)
	}
	// priority: zhigh (100) is eth0 with the default route, though alow sorts first
	high := inspectField(e, "more-plain-1", `{{(index .NetworkSettings.Networks "more_zhigh").IPAddress}}`)
	low := inspectField(e, "more-plain-1", `{{(index .NetworkSettings.Networks "more_alow").IPAddress}}`)
	if high == "" || low == "" {
		t.Fatalf("plain's addresses: zhigh %q, alow %q", high, low)
	}
	got := in("plain", "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1; ip -4 route show default | awk '{print $5}'")
	if got != high+"\neth0" {
		t.Errorf("the priority network (%s; the other %s) is not eth0 with the default route: %q", high, low, got)
	}
	// tty and stdin_open: the main process's stdin and stdout are a terminal;
	// stdin_open alone leaves stdin open (a pipe, not /dev/null)
	waitUntil(t, 20*time.Second, "term's output", func() bool {
		return strings.Contains(compose(e, dir, "logs", "term").Stdout, "stdout-tty")
	})
	if out := compose(e, dir, "logs", "--no-log-prefix", "term").Success(t).Stdout; strings.ReplaceAll(out, "\r", "") != "stdin-tty\nstdout-tty\n" {
		t.Errorf("tty: true, stdin_open: true: %q", out)
	}
	if got := inspectField(e, "more-term-1", "{{.Config.Tty}} {{.Config.OpenStdin}}"); got != "true true" {
		t.Errorf("term's Tty and OpenStdin: %q", got)
	}
	if got := in("open", "readlink /proc/1/fd/0"); !strings.HasPrefix(got, "pipe:") {
		t.Errorf("stdin_open without tty: stdin is %q, want a pipe", got)
	}
	if got := in("plain", "readlink /proc/1/fd/0"); got != "/dev/null" {
		t.Errorf("without stdin_open: stdin is %q", got)
	}
	// logging: json-file with max-size 1k and max-file 2 keeps the end only
	var chatty string
	waitUntil(t, 20*time.Second, "chatty's last line", func() bool {
		chatty = compose(e, dir, "logs", "--no-log-prefix", "chatty").Stdout
		return strings.Contains(chatty, "line 300 of")
	})
	if strings.Contains(chatty, "line 1 of") || len(chatty) > 3000 {
		t.Errorf("logging max-size 1k, max-file 2 kept %d bytes, from %q", len(chatty), strings.SplitN(chatty, "\n", 2)[0])
	}
	if got := inspectField(e, "more-chatty-1", "{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config \"max-size\"}}"); got != "json-file 1k" {
		t.Errorf("chatty's log config: %q", got)
	}
	// logging driver none: logs are refused, as docker's daemon refuses them
	compose(e, dir, "logs", "quiet").Fail(t, 1, "does not support reading")
	if got := inspectField(e, "more-quiet-1", "{{.HostConfig.LogConfig.Type}}"); got != "none" {
		t.Errorf("quiet's log driver: %q", got)
	}
	compose(e, dir, "down").Success(t)

	// an attached up notices the exit of a service whose log driver
	// keeps nothing (it streams from the container itself)
	att := composeProject(e, "attached", map[string]string{"compose.yaml": `
services:
  quiet:
    image: busybox
    command: ["sh", "-c", "sleep 1; echo late; exit 3"]
    logging: {driver: none}
  other:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`})
	r := compose(e, att, "up", "--no-color", "--exit-code-from", "quiet")
	if r.Code != 3 || !strings.Contains(r.Stdout, "quiet-1 exited with code 3") {
		t.Errorf("up --exit-code-from a service with logging driver none: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	compose(e, att, "down").Success(t)
}

// up's and build's flags the other compose tests leave out: --pull
// always|missing|never and build --pull against the test registry (pulls
// counted by the image pull events), --wait-timeout on a service whose
// health check never passes, -t on up (recreation) and down for a service
// that ignores SIGTERM, logs --since and -t; port for a port exposed but
// not published and for one not there at all; the obsolete version: key
// warned about by every command that reads the file.
func TestComposeMoreFlags(t *testing.T) {
	Require(t, "busybox", "registry")
	t.Parallel()
	e := New(t)
	e.RegistriesConf("")
	ref := RegistryImage(t, "busybox")
	project := fmt.Sprintf(`
version: "3.8"
services:
  app:
    image: %[1]s
    command: ["sh", "-c", "echo first; until [ -f /tmp/go ]; do sleep 0.1; done; echo second; exec sleep 600"]
    expose: ["9000"]
    ports: ["127.0.0.1::8080"]
  built:
    image: more-flags-built
    build:
      context: .
      dockerfile_inline: |
        FROM %[1]s
        RUN echo built > /built
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`, ref)
	dir := composeProject(e, "flags", map[string]string{"compose.yaml": project})
	now := func() string { return time.Now().UTC().Format(time.RFC3339Nano) }
	pulls := func(since string) int {
		out := e.Skiff("events", "--since", since, "--until", now(),
			"--filter", "type=image", "--filter", "event=pull", "--format", "{{.Action}}").Success(t).Out()
		return strings.Count(out, "pull")
	}
	// --pull never with the image missing fails as docker compose's
	// container creation does (exit 1), naming the image
	compose(e, dir, "up", "-d", "--pull", "never", "app").Fail(t, 1, "No such image: "+ref)
	if left := psAll(e); len(left) != 0 {
		t.Errorf("up --pull never without the image left %v", left)
	}
	start := now()
	compose(e, dir, "up", "-d", "--pull", "missing", "app").Success(t)
	compose(e, dir, "up", "-d", "--pull", "missing", "app").Success(t)
	if n := pulls(start); n != 1 {
		t.Errorf("two up --pull missing pulled %d times, want 1", n)
	}
	compose(e, dir, "up", "-d", "--pull", "always", "app").Success(t)
	if n := pulls(start); n != 2 {
		t.Errorf("up --pull always after that: %d pulls in all, want 2", n)
	}
	compose(e, dir, "up", "-d", "--pull", "never", "app").Success(t) // present now
	// build --pull pulls the base image present; build alone does not
	start = now()
	compose(e, dir, "build", "built").Success(t)
	if n := pulls(start); n != 0 {
		t.Errorf("build with the base image present pulled %d times", n)
	}
	compose(e, dir, "build", "--pull", "built").Success(t)
	if n := pulls(start); n != 1 {
		t.Errorf("build --pull pulled %d times, want 1", n)
	}

	// logs --since and -t
	waitUntil(t, 20*time.Second, "app's first line", func() bool {
		return strings.Contains(compose(e, dir, "logs", "app").Stdout, "first")
	})
	between := now()
	compose(e, dir, "exec", "-T", "app", "touch", "/tmp/go").Success(t)
	waitUntil(t, 20*time.Second, "app's second line", func() bool {
		return strings.Contains(compose(e, dir, "logs", "app").Stdout, "second")
	})
	if got := compose(e, dir, "logs", "--no-log-prefix", "--since", between, "app").Success(t).Out(); got != "second" {
		t.Errorf("logs --since %s: %q", between, got)
	}
	if got := compose(e, dir, "logs", "--no-log-prefix", "--since", "1h", "app").Success(t).Out(); got != "first\nsecond" {
		t.Errorf("logs --since 1h: %q", got)
	}
	stamped := regexp.MustCompile(`^app-1 +\| (\S+) (first|second)$`)
	lines := compose(e, dir, "logs", "-t", "--no-color", "app").Success(t).Lines()
	if len(lines) != 2 {
		t.Fatalf("logs -t: %q", lines)
	}
	for _, l := range lines {
		m := stamped.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("logs -t line %q is not 'app-1  | TIMESTAMP LINE'", l)
			continue
		}
		if ts, err := time.Parse(time.RFC3339Nano, m[1]); err != nil || time.Since(ts) > time.Hour || time.Since(ts) < 0 {
			t.Errorf("logs -t timestamp %q: %v", m[1], err)
		}
	}

	// port: published, exposed only (docker compose prints ":0"), absent
	if got := compose(e, dir, "port", "app", "8080").Success(t).Out(); !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(got) {
		t.Errorf("port app 8080: %q", got)
	}
	if got := compose(e, dir, "port", "app", "9000").Success(t).Out(); got != ":0" {
		t.Errorf("port app 9000 (exposed, not published): %q", got)
	}
	compose(e, dir, "port", "app", "80").Fail(t, 1, "no port 80/tcp for container flags-app-1: 8080/tcp, 9000/tcp")

	// the obsolete version: key is warned about by every command reading the file
	warning := "the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"
	for _, args := range [][]string{
		{"config", "-q"}, {"ps"}, {"logs", "app"}, {"images"}, {"top", "app"}, {"port", "app", "8080"},
		{"exec", "-T", "app", "true"}, {"stop", "built"}, {"start", "built"}, {"up", "-d", "--no-recreate", "app"},
	} {
		r := compose(e, dir, args...).Success(t)
		if n := strings.Count(r.Stderr, warning); n != 1 || !strings.Contains(r.Stderr, "compose.yaml: the attribute") {
			t.Errorf("compose %s: the version warning %d times:\n%s", strings.Join(args, " "), n, r.Stderr)
		}
	}

	// --wait-timeout: a service whose health check never passes; up fails
	// (exit 1) naming it
	project += `
  sick:
    image: ` + ref + `
    command: ["sleep", "600"]
    healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 1000}
    stop_signal: SIGKILL
  dead:
    image: ` + ref + `
    command: ["sleep", "600"]
    healthcheck: {test: ["CMD", "false"], interval: 500ms, retries: 1}
    stop_signal: SIGKILL
`
	e.WriteFile("flags/compose.yaml", project)
	compose(e, dir, "up", "-d", "--wait", "--wait-timeout", "2", "sick").Fail(t, 1, "flags-sick-1")
	if got := inspectField(e, "flags-sick-1", "{{.State.Health.Status}}"); got != "starting" {
		t.Errorf("sick's health after the timeout: %q", got)
	}
	// unhealthy before the timeout: up fails then, naming it
	compose(e, dir, "up", "-d", "--wait", "--wait-timeout", "60", "dead").Fail(t, 1, "flags-dead-1 is unhealthy")

	// -t: app ignores SIGTERM (sleep is the container's init); up -t 1
	// recreating it and down -t 1 kill it after a second, not ten
	stops := func(since string) []string {
		t.Helper()
		return e.Skiff("events", "--since", since, "--until", now(), "--filter", "container=flags-app-1",
			"--filter", "event=kill", "--filter", "event=die",
			"--format", "{{.TimeNano}} {{.Action}} {{.Actor.Attributes.signal}}{{.Actor.Attributes.exitCode}}").Success(t).Lines()
	}
	checkStop := func(what string, evs []string) {
		t.Helper()
		var term, kill int64
		died := ""
		for _, ev := range evs {
			f := strings.Fields(ev)
			if len(f) != 3 {
				continue
			}
			at, _ := strconv.ParseInt(f[0], 10, 64)
			switch f[1] + " " + f[2] {
			case "kill 15":
				term = at
			case "kill 9":
				kill = at
			}
			if f[1] == "die" {
				died = f[2]
			}
		}
		if term == 0 || kill == 0 || died != "137" {
			t.Errorf("%s: app not stopped by TERM then KILL (exit 137): %q", what, evs)
			return
		}
		// one second asked; the default would be ten
		if gap := time.Duration(kill - term); gap > 6*time.Second {
			t.Errorf("%s: KILL came %v after TERM", what, gap)
		}
	}
	start = now()
	e.WriteFile("flags/compose.yaml", strings.Replace(project, "exec sleep 600", "exec sleep 601", 1))
	compose(e, dir, "up", "-d", "-t", "1", "app").Success(t)
	checkStop("up -t 1 recreating app", stops(start))
	start = now()
	if r := compose(e, dir, "down", "-t", "1").Success(t); strings.Count(r.Stderr, warning) != 1 {
		t.Errorf("down: no version warning:\n%s", r.Stderr)
	}
	checkStop("down -t 1", stops(start))
	if left := psAll(e); len(left) != 0 {
		t.Errorf("down left %v", left)
	}
}
