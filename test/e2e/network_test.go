package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// Containers on the default bridge get an address each and reach each
// other by IP; there is no name resolution between them; ping works
// (NET_RAW); network inspect bridge lists them.
func TestNetworkDefaultBridge(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	web := netWebServer(e, netName(t, "web"))
	ip := netContainerIP(e, "bridge", web)
	if !strings.HasPrefix(ip, "10.88.") {
		t.Fatalf("address on the default bridge = %s, want one in 10.88.0.0/16", ip)
	}
	out := e.Skiff("run", "--rm", BusyboxImage, "sh", "-c",
		"for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://"+ip+"/ && exit 0; sleep 0.2; done; exit 1").Success(t).Out()
	if out != "hello from "+web {
		t.Errorf("wget of %s from another container = %q", ip, out)
	}
	r := e.Skiff("run", "--rm", BusyboxImage, "sh", "-c", "ping -c 1 -W 2 "+ip+" >/dev/null && echo pong; nslookup "+web+" >/dev/null 2>&1 && echo resolved; ip -4 -o addr show eth0; grep -c . /etc/hosts").Success(t)
	if !strings.Contains(r.Stdout, "pong") || strings.Contains(r.Stdout, "resolved") {
		t.Errorf("ping should work and %s should not resolve on the default bridge:\n%s", web, r.Stdout)
	}
	if !strings.Contains(r.Stdout, "inet 10.88.") {
		t.Errorf("eth0 of a default-bridge container:\n%s", r.Stdout)
	}
	hosts := e.Skiff("exec", web, "cat", "/etc/hosts").Success(t).Stdout
	if !strings.Contains(hosts, ip+"\t") {
		t.Errorf("/etc/hosts lacks the container's address %s:\n%s", ip, hosts)
	}
}

// Published ports: a chosen host port, a random one, 127.0.0.1 only, -P
// from exposed ports, port's output, UDP, and a port already taken.
func TestNetworkPublish(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	web := netWebServer(e, netName(t, "web"), "-p", "80", "-p", "127.0.0.1::80", "--expose", "81", "-P")
	lines := e.Skiff("port", web).Success(t).Lines()
	var all, local []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "80/tcp -> 0.0.0.0:"), strings.HasPrefix(l, "80/tcp -> [::]:"):
			all = append(all, l)
		case strings.HasPrefix(l, "80/tcp -> 127.0.0.1:"):
			local = append(local, l)
		}
	}
	if len(all) == 0 || len(local) != 1 || !strings.Contains(strings.Join(lines, "\n"), "81/tcp -> 0.0.0.0:") {
		t.Fatalf("port %s:\n%s", web, strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		addr := strings.TrimPrefix(l[strings.Index(l, "-> ")+3:], "")
		if !strings.HasPrefix(l, "80/tcp") {
			continue
		}
		host, port, _ := net.SplitHostPort(strings.Trim(addr, " "))
		if host == "0.0.0.0" || host == "::" || host == "[::]" {
			host = "127.0.0.1"
		}
		body, err := netHTTPGet(t, "http://"+net.JoinHostPort(host, port)+"/")
		if err != nil || strings.TrimSpace(body) != "hello from "+web {
			t.Errorf("GET through %s: %q, %v", l, body, err)
		}
	}
	// a host port already taken: one line, 125, nothing started
	taken := netHostPort(e, web, "81")
	r := e.Skiff("run", "-d", "-p", fmt.Sprintf("%d:80", taken), BusyboxImage, "httpd", "-f", "-p", "80")
	oneErrorLine(t, r, "port is already allocated")
	e.Skiff("port", web, "9999").Fail(t, 125, "No public port '9999/tcp'")
}

// UDP ports are forwarded too (the Debian image's perl answers).
func TestNetworkPublishUDP(t *testing.T) {
	Require(t, "debian")
	t.Parallel()
	e := New(t)
	img := e.LoadDebian()
	name := netName(t, "udp")
	server := `$s=IO::Socket::INET->new(LocalPort=>5353,Proto=>"udp") or die; while(1){$s->recv($m,100); $s->send("pong\n")}`
	e.Skiff("run", "-d", "--name", name, "-p", "5353/udp", img, "perl", "-MIO::Socket::INET", "-e", server).Success(t)
	port := netHostPort(e, name, "5353/udp")
	var got string
	for i := 0; i < 50 && got == ""; i++ {
		got = udpAsk(t, fmt.Sprintf("127.0.0.1:%d", port), "ping")
	}
	if got != "pong" {
		t.Errorf("UDP through the published port answered %q, want pong", got)
	}
}

// udpAsk sends one datagram and returns the first answer ("" on timeout).
func udpAsk(t *testing.T, addr, msg string) string {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte(msg + "\n"))
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	return strings.TrimSpace(string(buf[:n]))
}

// User-defined networks: names and aliases resolve, other names are
// forwarded, networks are isolated from each other and from the default
// bridge, --internal has no way out.
func TestNetworkUserDefined(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	app, other := netName(t, "app"), netName(t, "oth")
	e.Skiff("network", "create", app).Success(t)
	e.Skiff("network", "create", "--subnet", tnet("10.201.7.0/24"), other).Success(t)
	web := netWebServer(e, netName(t, "web"), "--network", app, "--network-alias", "www")
	ip := netContainerIP(e, app, web)
	script := "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://%s/ && exit 0; sleep 0.2; done; exit 1"
	for _, name := range []string{web, "www", web + "." + app} {
		out := e.Skiff("run", "--rm", "--network", app, BusyboxImage, "sh", "-c", fmt.Sprintf(script, name)).Success(t).Out()
		if out != "hello from "+web {
			t.Errorf("http://%s/ from the same network = %q", name, out)
		}
	}
	rc := e.Skiff("run", "--rm", "--network", app, BusyboxImage, "cat", "/etc/resolv.conf").Success(t).Stdout
	if !strings.Contains(rc, "nameserver "+strings.TrimSuffix(ip, ip[strings.LastIndex(ip, "."):])+".1") {
		t.Errorf("resolv.conf on a user-defined network should name its gateway's responder:\n%s", rc)
	}
	// isolation: another network and the default bridge cannot reach web
	probe := "wget -q -O- http://" + ip + "/ >/dev/null 2>&1 & sleep 2; kill $! 2>/dev/null && echo blocked || echo reached"
	for _, net := range []string{other, "bridge"} {
		if out := e.Skiff("run", "--rm", "--network", net, BusyboxImage, "sh", "-c", probe).Success(t).Out(); out != "blocked" {
			t.Errorf("a container on %s reached %s on %s: %s", net, ip, app, out)
		}
		if out := e.Skiff("run", "--rm", "--network", net, BusyboxImage, "sh", "-c", "nslookup "+web+" >/dev/null 2>&1 && echo resolved || echo unknown").Success(t).Out(); out != "unknown" {
			t.Errorf("%s resolved on network %s", web, net)
		}
	}
	// internal: no default route, no forwarded names, but its own names
	internal := netName(t, "int")
	e.Skiff("network", "create", "--internal", internal).Success(t)
	db := netWebServer(e, netName(t, "db"), "--network", internal)
	r := e.Skiff("run", "--rm", "--network", internal, BusyboxImage, "sh", "-c",
		"ip route; nslookup deb.debian.org >/dev/null 2>&1 && echo outside; "+fmt.Sprintf(script, db)).Success(t)
	if strings.Contains(r.Stdout, "default") || strings.Contains(r.Stdout, "outside") || !strings.Contains(r.Stdout, "hello from "+db) {
		t.Errorf("container on an --internal network:\n%s", r.Stdout)
	}
	e.Skiff("network", "rm", app).Fail(t, 125, "has active endpoints")
}

// Debian's apt-get reaches the Debian mirror through the host's
// resolvers (the one outside target the tests may use).
func TestNetworkOutboundAptGet(t *testing.T) {
	Require(t, "debian")
	t.Parallel()
	e := New(t)
	img := e.LoadDebian()
	r := e.Skiff("run", "--rm", img, "timeout", "300", "apt-get", "-o", "Acquire::Retries=3", "update")
	if r.Code != 0 || strings.Contains(r.Stdout+r.Stderr, "Could not resolve") || !strings.Contains(r.Stdout, "bookworm") {
		t.Fatalf("apt-get update: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

// --network none, host, container:NAME, and the per-container flags that
// shape /etc/hosts, /etc/resolv.conf and the interface.
func TestNetworkModesAndFlags(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	if out := e.Skiff("run", "--rm", "--network", "none", BusyboxImage, "sh", "-c", "ls /sys/class/net | tr '\\n' ' '").Success(t).Out(); out != "lo" {
		t.Errorf("interfaces with --network none: %q", out)
	}
	hostIfs, _ := net.Interfaces()
	seen := strings.Join(e.Skiff("run", "--rm", "--network", "host", BusyboxImage, "ls", "/sys/class/net").Success(t).Lines(), " ")
	for _, i := range hostIfs {
		if !strings.HasPrefix(i.Name, "veth") && !strings.HasPrefix(i.Name, "skiff") && !strings.Contains(" "+seen+" ", " "+i.Name+" ") {
			t.Errorf("--network host does not see the host's %s: %s", i.Name, seen)
		}
	}
	app := netName(t, "app")
	e.Skiff("network", "create", "--subnet", tnet("10.202.9.0/24"), app).Success(t)
	r := e.Skiff("run", "--rm", "--network", app, "--ip", tnet("10.202.9.77"), "--mac-address", "92:d0:c6:0a:29:33",
		"--hostname", "box", "--domainname", "example.test", "--add-host", "db:10.1.2.3", "--add-host", "gw=host-gateway",
		"--dns", "10.9.9.9", "--dns-search", "corp.test", "--dns-option", "ndots:3", BusyboxImage,
		"sh", "-c", "ip -o link show eth0; ip -4 -o addr show eth0; cat /etc/hosts /etc/resolv.conf").Success(t)
	for _, want := range []string{"92:d0:c6:0a:29:33", tnet("inet 10.202.9.77/24"), tnet("10.202.9.77\tbox.example.test box"), "10.1.2.3\tdb",
		tnet("10.202.9.1\tgw"), "search corp.test", "options ndots:3", tnet("nameserver 10.202.9.1")} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("container with network flags lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "nameserver 10.9.9.9") {
		t.Errorf("--dns on a user-defined network belongs to the responder's upstreams, not resolv.conf:\n%s", r.Stdout)
	}
	bridged := e.Skiff("run", "--rm", "--dns", "10.9.9.9", BusyboxImage, "cat", "/etc/resolv.conf").Success(t).Stdout
	if !strings.Contains(bridged, "nameserver 10.9.9.9") {
		t.Errorf("--dns on the default bridge:\n%s", bridged)
	}
	// container:NAME shares the network namespace (localhost reaches it)
	web := netWebServer(e, netName(t, "web"))
	out := e.Skiff("run", "--rm", "--network", "container:"+web, BusyboxImage, "sh", "-c",
		"for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://127.0.0.1/ && exit 0; sleep 0.2; done; exit 1").Success(t).Out()
	if out != "hello from "+web {
		t.Errorf("--network container:%s, localhost:80 = %q", web, out)
	}
	e.Skiff("run", "--rm", "--network", "bridge", "--ip", "10.88.3.3", BusyboxImage, "true").Fail(t, 125, "user defined networks only")
	e.Skiff("run", "--rm", "--network-alias", "x", BusyboxImage, "true").Fail(t, 125, "user defined networks")
	e.Skiff("run", "--rm", "--network", "nosuchnet", BusyboxImage, "true").Fail(t, 125, "network nosuchnet not found")
	e.Skiff("run", "--rm", "--network", "host", "--network", app, BusyboxImage, "true").Fail(t, 125, "conflicting options")
	e.Skiff("run", "--rm", "--network", "container:"+web, "-p", "80", BusyboxImage, "true").Fail(t, 125, "port publishing")
	e.Skiff("run", "--rm", "--add-host", "bad", BusyboxImage, "true").Fail(t, 125, "add-host")
	e.Skiff("run", "--rm", "-p", "80/sctp", BusyboxImage, "true").Fail(t, 125, "sctp")
}

// --link: the alias and name in /etc/hosts, docker's variables, the
// record's HostConfig.Links; a link to a missing or stopped container is
// refused with one line.
func TestRunLink(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "db", "-e", "SECRET=x", "--expose", "3306", img, "sleep", "100").Success(t)
	ip := inspectField(e, "db", "{{.NetworkSettings.IPAddress}}")
	out := e.Skiff("run", "--name", "web", "--link", "db:mysql", img, "sh", "-c",
		"grep mysql /etc/hosts; echo $MYSQL_PORT_3306_TCP_ADDR $MYSQL_ENV_SECRET $MYSQL_NAME; ping -c1 -W2 mysql >/dev/null && echo reached").Success(t).Out()
	lines := strings.Split(out, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], ip+"\tmysql db ") || lines[1] != ip+" x /web/mysql" || lines[2] != "reached" {
		t.Errorf("inside the linked container:\n%s", out)
	}
	if got := inspectField(e, "web", "{{.HostConfig.Links}}"); got != "[/db:/web/mysql]" {
		t.Errorf("HostConfig.Links = %s", got)
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--link", "nosuch", img, "true"), "could not get container for nosuch")
	e.Skiff("stop", "-t0", "db").Success(t)
	e.Skiff("start", "web").Fail(t, 1, "cannot link to a non running container")
	// rm --link drops the link (and web starts again without db)
	e.Skiff("rm", "--link", "/web/mysql").Success(t)
	if got := inspectField(e, "web", "{{.HostConfig.Links}}"); got != "[]" {
		t.Errorf("after rm --link: %s", got)
	}
	e.Skiff("rm", "--link", "/web/mysql").Fail(t, 1, "has no link mysql")
}
