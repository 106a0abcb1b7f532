package e2e

import (
	"strings"
	"testing"
	"time"
)

// A project using most service fields together, each checked from
// inside the containers: include, extends, profiles, .env interpolation
// with ${X:?}, env_file, secrets from a file and the environment, a
// config from content, a fixed address on a network with an alias,
// network_mode service:, volumes_from, depends_on
// service_completed_successfully, read_only with tmpfs, init,
// extra_hosts, dns_search, hostname and domainname, user, working_dir,
// sysctls, ulimits, cap_drop, labels, stop_signal and stop_grace_period,
// a healthcheck from the base service.
func TestComposeFieldsTogether(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "many", map[string]string{
		"compose.yaml": tnet(`
name: fields
include:
  - extra.yaml
services:
  web:
    extends: {file: base.yaml, service: base}
    image: busybox
    command: ["sh", "-c", "mkdir -p /tmp/www && echo web > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www"]
    hostname: webhost
    domainname: example.test
    user: "0:0"
    working_dir: /run
    environment:
      GREETING: ${GREETING:?set GREETING in .env}
    env_file: [web.env]
    read_only: true
    tmpfs: [/tmp, /run]
    init: true
    extra_hosts: ["db.local:10.9.9.9"]
    dns_search: [example.test]
    sysctls: {net.ipv4.ip_unprivileged_port_start: "500"}
    ulimits: {nofile: {soft: 1000, hard: 2000}}
    cap_drop: [CHOWN]
    labels: {tier: front}
    stop_signal: SIGTERM
    stop_grace_period: 3s
    volumes: [data:/data]
    secrets: [filesecret, {source: envsecret, target: custom}]
    configs: [{source: inline, target: /etc/inline.conf}]
    networks:
      app: {ipv4_address: 10.207.5.10, aliases: [www]}
    depends_on:
      migrate: {condition: service_completed_successfully}
  migrate:
    image: busybox
    command: ["sh", "-c", "sleep 1; echo migrated > /data/migrated"]
    volumes: [data:/data]
    networks: [app]
  sidecar:
    image: busybox
    command: ["sleep", "600"]
    network_mode: "service:web"
    volumes_from: ["web:ro"]
    depends_on: [web]
    stop_signal: SIGKILL
  debug:
    image: busybox
    command: ["sleep", "600"]
    profiles: [debug]
    networks: [app]
    stop_signal: SIGKILL
networks:
  app:
    ipam: {config: [{subnet: 10.207.5.0/24}]}
volumes:
  data:
secrets:
  filesecret: {file: ./secret.txt}
  envsecret: {environment: API_TOKEN}
configs:
  inline: {content: "inline=${GREETING}"}
`),
		"base.yaml":  "services:\n  base:\n    environment: {FROM_BASE: \"yes\"}\n    healthcheck: {test: [\"CMD\", \"true\"], interval: 500ms}\n",
		"extra.yaml": "services:\n  extra:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n    stop_signal: SIGKILL\n",
		".env":       "GREETING=hello\nAPI_TOKEN=tok123\n",
		"web.env":    "FROM_FILE=1\n",
		"secret.txt": "s3cret\n",
	})
	compose(e, dir, "up", "-d").Success(t)
	ps := compose(e, dir, "ps", "-a", "--format", "{{.Service}} {{.State}}").Success(t).Stdout
	for _, want := range []string{"web running", "sidecar running", "extra running", "migrate exited"} {
		if !strings.Contains(ps, want) {
			t.Errorf("ps lacks %q:\n%s", want, ps)
		}
	}
	if strings.Contains(ps, "debug") {
		t.Errorf("a service of a profile not enabled runs:\n%s", ps)
	}
	checks := []struct{ script, want string }{
		{"uname -n; cat /proc/sys/kernel/domainname", "webhost\nexample.test"},
		{"echo $GREETING $FROM_BASE $FROM_FILE; pwd; id -u", "hello yes 1\n/run\n0"},
		{"touch /x 2>/dev/null && echo rw || echo ro; touch /tmp/x && echo tmp", "ro\ntmp"},
		{"grep db.local /etc/hosts | cut -f1; grep -c '^search.*example.test' /etc/resolv.conf", "10.9.9.9\n1"},
		{"cat /proc/sys/net/ipv4/ip_unprivileged_port_start; ulimit -n", "500\n1000"},
		{"chown 1 /tmp/x 2>/dev/null && echo chown || echo no-chown", "no-chown"},
		{"cat /run/secrets/filesecret /run/secrets/custom /etc/inline.conf", "s3cret\ntok123inline=hello"},
		{tnet("ip -4 addr show | grep -o 10.207.5.10; cat /data/migrated"), tnet("10.207.5.10\nmigrated")},
	}
	for _, c := range checks {
		if got := compose(e, dir, "exec", "-T", "web", "sh", "-c", c.script).Out(); got != c.want {
			t.Errorf("in web, %s: %q, want %q", c.script, got, c.want)
		}
	}
	if got := inspectField(e, "fields-web-1", `{{.HostConfig.Init}} {{index .Config.Labels "tier"}} {{.Config.StopSignal}} {{.Config.StopTimeout}}`); got != "true front SIGTERM 3" {
		t.Errorf("web's init, label and stop settings: %q", got)
	}
	waitUntil(t, 30*time.Second, "web healthy (healthcheck from extends)", func() bool {
		return inspectField(e, "fields-web-1", "{{.State.Health.Status}}") == "healthy"
	})
	// the sidecar shares web's network namespace and volumes
	if got := compose(e, dir, "exec", "-T", "sidecar", "sh", "-c", "wget -qO- http://localhost/; cat /data/migrated; touch /data/x 2>/dev/null || echo ro").Out(); got != "web\nmigrated\nro" {
		t.Errorf("in sidecar: %q", got)
	}
	// a profile enabled: debug reaches web by its alias
	compose(e, dir, "--profile", "debug", "up", "-d", "debug").Success(t)
	if got := compose(e, dir, "exec", "-T", "debug", "wget", "-qO-", "http://www/").Out(); got != "web" {
		t.Errorf("from debug, http://www/: %q", got)
	}
	compose(e, dir, "down", "-v").Success(t)
	if left := e.Skiff("ps", "-a", "-q").Success(t).Out(); left != "" {
		t.Errorf("down left containers: %s", left)
	}
}
