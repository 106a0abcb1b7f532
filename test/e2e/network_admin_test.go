package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// network create, ls (filters, format, -q), inspect, rm, prune, and
// their errors.
func TestNetworkCommands(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	a, b := netName(t, "a"), netName(t, "b")
	id := e.Skiff("network", "create", "--label", "team=db", a).Success(t).Out()
	if len(id) != 64 {
		t.Fatalf("network create printed %q, want a 64-hex id", id)
	}
	e.Skiff("network", "create", "--subnet", tnet("10.203.0.0/16"), "--gateway", tnet("10.203.0.254"), "--ip-range", tnet("10.203.5.0/24"), b).Success(t)
	info := netInspect(e, b)
	if len(info.IPAM.Config) != 1 || info.IPAM.Config[0].Subnet != tnet("10.203.0.0/16") || info.IPAM.Config[0].Gateway != tnet("10.203.0.254") ||
		info.IPAM.Config[0].IPRange != tnet("10.203.5.0/24") || info.Driver != "bridge" {
		t.Errorf("network inspect %s = %+v", b, info)
	}
	if netInspect(e, a).Labels["team"] != "db" {
		t.Errorf("label of %s lost", a)
	}
	ls := e.Skiff("network", "ls").Success(t).Stdout
	for _, want := range []string{"NETWORK ID", "NAME", "DRIVER", "SCOPE", "bridge", "host", "none", a, b} {
		if !strings.Contains(ls, want) {
			t.Errorf("network ls lacks %q:\n%s", want, ls)
		}
	}
	if got := e.Skiff("network", "ls", "-q", "--filter", "label=team=db").Success(t).Out(); got != id[:12] {
		t.Errorf("network ls -q --filter label=team=db = %q, want %q", got, id[:12])
	}
	if got := e.Skiff("network", "ls", "--filter", "name="+b, "--format", "{{.Name}} {{.Driver}}").Success(t).Out(); got != b+" bridge" {
		t.Errorf("network ls --format = %q", got)
	}
	if got := e.Skiff("network", "ls", "--filter", "type=builtin", "--format", "{{.Name}}").Success(t).Lines(); strings.Join(got, " ") != "bridge host none" {
		t.Errorf("builtin networks = %v", got)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(e.Skiff("network", "ls", "--filter", "name="+a, "--format", "json").Success(t).Out()), &row); err != nil || row["Name"] != a {
		t.Errorf("network ls --format json: %v %v", row, err)
	}
	if got := e.Skiff("network", "inspect", "-f", "{{.Name}} {{.Internal}}", a).Success(t).Out(); got != a+" false" {
		t.Errorf("network inspect -f = %q", got)
	}
	// errors
	e.Skiff("network", "create", a).Fail(t, 125, "already exists")
	e.Skiff("network", "create", "bridge").Fail(t, 125, "already exists")
	e.Skiff("network", "create", "--subnet", "nonsense", netName(t, "x")).Fail(t, 125, "invalid subnet")
	e.Skiff("network", "create", "--subnet", tnet("10.203.9.0/24"), netName(t, "x")).Fail(t, 125, "overlaps")
	e.Skiff("network", "create", "-d", "macvlan", netName(t, "x")).Fail(t, 125, "not found")
	e.Skiff("network", "inspect", "nosuch").Fail(t, 125, "network nosuch not found")
	e.Skiff("network", "rm", "bridge").Fail(t, 125, "pre-defined")
	e.Skiff("network", "rm", "-f", "nosuch").Success(t)
	// a network with a container is kept by rm and prune
	e.Skiff("create", "--name", netName(t, "user"), "--network", a, BusyboxImage, "true").Success(t)
	e.Skiff("network", "rm", a).Fail(t, 125, "has active endpoints")
	pruned := e.Skiff("network", "prune", "-f").Success(t).Stdout
	if !strings.Contains(pruned, "Deleted Networks:") || !strings.Contains(pruned, b) || strings.Contains(pruned, a) {
		t.Errorf("network prune -f:\n%s", pruned)
	}
	if out := e.Skiff("network", "rm", b).Stderr; !strings.Contains(out, "not found") {
		t.Errorf("network %s survived prune", b)
	}
}

// network connect and disconnect, live and for the next start.
func TestNetworkConnectDisconnect(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	front, back := netName(t, "front"), netName(t, "back")
	e.Skiff("network", "create", front).Success(t)
	e.Skiff("network", "create", "--subnet", tnet("10.204.0.0/24"), back).Success(t)
	db := netWebServer(e, netName(t, "db"), "--network", back)
	app := netName(t, "app")
	e.Skiff("run", "-d", "--name", app, "--network", front, BusyboxImage, "sleep", "600").Success(t)
	e.Skiff("network", "connect", "--alias", "appalias", "--ip", tnet("10.204.0.50"), back, app).Success(t)
	out := e.Skiff("exec", app, "sh", "-c", "ip -4 -o addr show eth1; for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://"+db+"/ && exit 0; sleep 0.2; done").Success(t).Stdout
	if !strings.Contains(out, tnet("10.204.0.50")) || !strings.Contains(out, "hello from "+db) {
		t.Errorf("after network connect:\n%s", out)
	}
	if out := e.Skiff("exec", db, "nslookup", "appalias").Success(t).Stdout; !strings.Contains(out, tnet("10.204.0.50")) {
		t.Errorf("the alias given at network connect does not resolve:\n%s", out)
	}
	if got := netContainerIP(e, back, app); got != tnet("10.204.0.50") {
		t.Errorf("address of %s on %s = %s", app, back, got)
	}
	e.Skiff("network", "connect", back, app).Fail(t, 125, "already exists")
	e.Skiff("network", "disconnect", back, app).Success(t)
	if out := e.Skiff("exec", app, "sh", "-c", "ls /sys/class/net | tr '\\n' ' '").Success(t).Out(); strings.Contains(out, "eth1") {
		t.Errorf("eth1 left after disconnect: %s", out)
	}
	e.Skiff("network", "disconnect", back, app).Fail(t, 125, "is not connected")
	e.Skiff("network", "connect", "host", app).Fail(t, 125, "host network")
	// connected while stopped: on the network at the next start
	e.Skiff("stop", "-t", "0", app).Success(t)
	e.Skiff("network", "connect", back, app).Success(t)
	e.Skiff("start", app).Success(t)
	if ip := netContainerIP(e, back, app); !strings.HasPrefix(ip, tnet("10.204.0.")) {
		t.Errorf("after connect while stopped and start, address on %s = %q", back, ip)
	}
}

// inspect and ps show addresses and ports in docker's shapes.
func TestNetworkInspectAndPs(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	web := netWebServer(e, netName(t, "web"), "-p", "127.0.0.1::80", "--expose", "443")
	ip := e.Skiff("inspect", "--format", "{{.NetworkSettings.IPAddress}}", web).Success(t).Out()
	if ip != netContainerIP(e, "bridge", web) {
		t.Errorf("NetworkSettings.IPAddress = %q, network inspect says %q", ip, netContainerIP(e, "bridge", web))
	}
	var obj []struct {
		NetworkSettings struct {
			Ports    map[string][]struct{ HostIp, HostPort string }
			Networks map[string]struct{ IPAddress, Gateway, MacAddress, NetworkID string }
		}
		HostConfig struct {
			NetworkMode  string
			PortBindings map[string][]struct{ HostIp, HostPort string }
		}
	}
	out := e.Skiff("inspect", web).Success(t).Stdout
	if err := json.Unmarshal([]byte(out), &obj); err != nil || len(obj) != 1 {
		t.Fatalf("inspect: %v\n%s", err, out)
	}
	ns, hc := obj[0].NetworkSettings, obj[0].HostConfig
	if b := ns.Ports["80/tcp"]; len(b) != 1 || b[0].HostIp != "127.0.0.1" || b[0].HostPort == "" {
		t.Errorf("NetworkSettings.Ports[80/tcp] = %+v", b)
	}
	if b, ok := ns.Ports["443/tcp"]; !ok || b != nil {
		t.Errorf("exposed 443/tcp should be listed with null: %+v %v", b, ok)
	}
	if b := hc.PortBindings["80/tcp"]; len(b) != 1 || b[0].HostIp != "127.0.0.1" || b[0].HostPort != "" {
		t.Errorf("HostConfig.PortBindings[80/tcp] = %+v", b)
	}
	if n := ns.Networks["bridge"]; n.IPAddress != ip || n.Gateway != "10.88.0.1" || n.MacAddress == "" || hc.NetworkMode != "bridge" {
		t.Errorf("Networks[bridge] = %+v, NetworkMode %q", n, hc.NetworkMode)
	}
	port := netHostPort(e, web, "80")
	ports := e.Skiff("ps", "--filter", "name="+web, "--format", "{{.Ports}}").Success(t).Out()
	if want := fmt.Sprintf("127.0.0.1:%d->80/tcp, 443/tcp", port); ports != want {
		t.Errorf("ps PORTS = %q, want %q", ports, want)
	}
	if got := e.Skiff("ps", "-q", "--filter", "network=bridge", "--filter", "name="+web).Success(t).Out(); got == "" {
		t.Errorf("ps --filter network=bridge misses %s", web)
	}
	if got := e.Skiff("inspect", "--type", "network", "-f", "{{.Name}}", "bridge").Success(t).Out(); got != "bridge" {
		t.Errorf("inspect --type network bridge = %q", got)
	}
}

// A host whose interface already holds 10.88.x (podman's default
// bridge, a VPN): the default bridge network moves to the first free
// subnet of docker's pool instead of refusing to start, and inspect says
// which. Root only: skiff runs in a network namespace the test makes
// (with a veth pair, one end on 10.88.0.1/16) and with a /run/skiff of its
// own, so neither the host's routes nor its bridges are touched.
func TestDefaultNetworkSubnetTaken(t *testing.T) {
	Require(t, "busybox", "root")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ns := fmt.Sprintf("skiff-e2e-%d", os.Getpid()) + "-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	e.Exec("ip", "netns", "add", ns).Success(t)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	for _, cmd := range [][]string{{"link", "set", "lo", "up"}, {"link", "add", "taken0", "type", "veth", "peer", "name", "taken1"},
		{"addr", "add", "10.88.0.1/16", "dev", "taken0"}, {"link", "set", "taken1", "up"}, {"link", "set", "taken0", "up"}} {
		e.Exec("ip", append([]string{"-n", ns}, cmd...)...).Success(t)
	}
	run := e.Mkdir("run-skiff")
	skiff := func(args ...string) Result {
		t.Helper()
		script := `mkdir -p /run/skiff && mount --bind "$0" /run/skiff && exec "$@"`
		return e.Exec("ip", append(append([]string{"netns", "exec", ns, "sh", "-c", script, run, Binary()}, e.GlobalArgs...), args...)...)
	}
	t.Cleanup(func() { skiff("rm", "-f", "-a") })
	subnet := skiff("network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}").Success(t).Out()
	if subnet != "172.17.0.0/16 172.17.0.1" {
		t.Fatalf("default network with 10.88.0.0/16 taken: subnet and gateway %q, want docker's 172.17.0.0/16", subnet)
	}
	a := skiff("run", "-d", "--name", "a", BusyboxImage, "sleep", "300").Success(t).Out()
	ip := skiff("inspect", "--format", "{{.NetworkSettings.IPAddress}}", a).Success(t).Out()
	if !strings.HasPrefix(ip, "172.17.") {
		t.Fatalf("container on the default network has %q", ip)
	}
	skiff("run", "--rm", BusyboxImage, "ping", "-c", "1", "-W", "5", ip).Success(t)
	// the veth keeps its address and its route
	if out := e.Exec("ip", "-n", ns, "-4", "route", "show", "10.88.0.0/16").Success(t).Out(); !strings.Contains(out, "taken0") {
		t.Errorf("10.88.0.0/16 no longer on the veth: %q", out)
	}
	// a user-defined network's automatic subnet stays clear of it
	skiff("network", "create", "other").Success(t)
	if s := skiff("network", "inspect", "other", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}").Success(t).Out(); strings.HasPrefix(s, "172.17.") || strings.HasPrefix(s, "10.88.") {
		t.Errorf("user-defined network on %s", s)
	}
	skiff("rm", "-f", a).Success(t)
	skiff("network", "rm", "other").Success(t)
}

// Disconnecting the network that holds a running container's default
// route moves the route to a remaining network, as docker does: not an
// --internal one, the highest gw-priority, then the first by name (not
// the first connected); with only internal ones left there is none, and
// the next network connected takes it, as does one connected with a
// higher gw-priority.
func TestNetworkDisconnectMovesDefaultRoute(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	first, internal, b, c, d := netName(t, "rz"), netName(t, "r0"), netName(t, "rb"), netName(t, "rc"), netName(t, "rd")
	gw := map[string]string{}
	for _, n := range []string{first, internal, b, c, d} {
		args := []string{"network", "create", n}
		if n == internal {
			args = append(args, "--internal")
		}
		e.Skiff(args...).Success(t)
		gw[n] = e.Skiff("network", "inspect", n, "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}").Success(t).Out()
	}
	app := netName(t, "app")
	e.Skiff("run", "-d", "--name", app, "--network", first, BusyboxImage, "sleep", "600").Success(t)
	for _, n := range []string{internal, c, b} {
		e.Skiff("network", "connect", n, app).Success(t)
	}
	route := func() string {
		t.Helper()
		return e.Skiff("exec", app, "ip", "-4", "route", "show", "default").Success(t).Out()
	}
	if r := route(); !strings.Contains(r, "via "+gw[first]+" ") {
		t.Fatalf("default route before any disconnect: %q, want via %s", r, gw[first])
	}
	e.Skiff("network", "disconnect", first, app).Success(t)
	if r := route(); !strings.Contains(r, "via "+gw[b]+" ") {
		t.Errorf("after disconnecting %s: default route %q, want via %s (%s, first by name)", first, r, gw[b], b)
	}
	e.Skiff("exec", app, "ping", "-c", "1", "-W", "5", gw[b]).Success(t)
	e.Skiff("network", "disconnect", b, app).Success(t)
	if r := route(); !strings.Contains(r, "via "+gw[c]+" ") {
		t.Errorf("after disconnecting %s: default route %q, want via %s", b, r, gw[c])
	}
	e.Skiff("network", "disconnect", c, app).Success(t)
	if r := route(); r != "" {
		t.Errorf("only the internal network left: default route %q", r)
	}
	e.Skiff("network", "connect", d, app).Success(t)
	if r := route(); !strings.Contains(r, "via "+gw[d]+" ") {
		t.Errorf("connected to %s without a default route: %q, want via %s", d, r, gw[d])
	}
	// gw-priority: a network connected with a higher one takes the
	// route; disconnected, the route goes back
	e.Skiff("network", "connect", "--gw-priority", "10", b, app).Success(t)
	if r := route(); !strings.Contains(r, "via "+gw[b]+" ") {
		t.Errorf("connected to %s with --gw-priority 10: default route %q, want via %s", b, r, gw[b])
	}
	if got := inspectField(e, app, "{{(index .NetworkSettings.Networks \""+b+"\").GwPriority}}"); got != "10" {
		t.Errorf("inspect: GwPriority on %s = %q", b, got)
	}
	e.Skiff("network", "disconnect", b, app).Success(t)
	if r := route(); !strings.Contains(r, "via "+gw[d]+" ") {
		t.Errorf("after disconnecting %s: default route %q, want via %s", b, r, gw[d])
	}
	e.Skiff("rm", "-f", app).Success(t)
	// at start: the highest gw-priority, not the first network given
	second := e.Skiff("run", "-d", "--network", first, "--network", "name="+c+",gw-priority=5", BusyboxImage, "sleep", "600").Success(t).Out()
	if r := e.Skiff("exec", second, "ip", "-4", "route", "show", "default").Success(t).Out(); !strings.Contains(r, "via "+gw[c]+" ") {
		t.Errorf("run --network %s --network name=%s,gw-priority=5: default route %q, want via %s", first, c, r, gw[c])
	}
	e.Skiff("run", "--rm", "--network", "name="+c+",gw-priority=high", BusyboxImage, "true").Fail(t, 125, "gw-priority")
	e.Skiff("rm", "-f", second).Success(t)
}
