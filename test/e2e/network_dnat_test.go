package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/proc"
)

// As root, published ports of a container on a bridge are the kernel's
// DNAT to its address (docs/network.md): reachable from the host's
// loopback and its other addresses, from other containers and from the
// container itself through a host address, for single ports and ranges;
// the host ports stay reserved; the rules follow the container through
// stop, start, restart and rm; port and inspect say what they said with
// the forwarder.
func TestNetworkPublishDNAT(t *testing.T) {
	Require(t, "busybox", "root", "hostroot")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	hostIP := dnatHostAddress(t)
	lo, hi := dnatFreeRange(t)
	name := netName(t, "web")
	serve := fmt.Sprintf("mkdir -p /www && echo hello from %s > /www/index.html && httpd -p 81 -h /www && exec httpd -f -p 80 -h /www", name)
	args := []string{"run", "-d", "--name", name, "-p", "127.0.0.1::80", "-p", "80",
		"-p", fmt.Sprintf("%d-%d:80-81", lo, hi)}
	if hostIP != "" {
		args = append(args, "-p", hostIP+"::80")
	}
	e.Skiff(append(args, BusyboxImage, "sh", "-c", serve)...).Success(t)
	want := "hello from " + name

	local := dnatPortOn(e, name, "80/tcp", "127.0.0.1")
	all := dnatPortOn(e, name, "80/tcp", "0.0.0.0")
	get := func(what, addr string) {
		t.Helper()
		if body, err := netHTTPGet(t, "http://"+addr+"/"); err != nil || strings.TrimSpace(body) != want {
			t.Errorf("GET %s (%s): %q, %v", addr, what, body, err)
		}
	}
	get("127.0.0.1 only", fmt.Sprintf("127.0.0.1:%d", local))
	get("all addresses, from loopback", fmt.Sprintf("127.0.0.1:%d", all))
	get("range, first", fmt.Sprintf("127.0.0.1:%d", lo))
	get("range, second", fmt.Sprintf("127.0.0.1:%d", hi))
	ip := netContainerIP(e, "bridge", name)
	tables := dnatTables(t, ip)
	if len(tables) != 1 {
		t.Fatalf("port tables translating to %s: %v, want one", ip, tables)
	}
	// the kernel serves IPv4 (the answers above came from the container);
	// the reservation socket keeps host programs off the port
	if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", all)); err == nil {
		l.Close()
		t.Errorf("a host program could listen on the published port %d", all)
	}
	r := e.Skiff("run", "-d", "-p", fmt.Sprintf("%d:80", all), BusyboxImage, "true")
	oneErrorLine(t, r, "port is already allocated")

	if hostIP != "" {
		get("the host's other address", net.JoinHostPort(hostIP, strconv.Itoa(all)))
		get("that address only", net.JoinHostPort(hostIP, strconv.Itoa(dnatPortOn(e, name, "80/tcp", hostIP))))
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(hostIP, strconv.Itoa(local)), 2*time.Second); err == nil {
			c.Close()
			t.Errorf("the port published on 127.0.0.1 answers on %s", hostIP)
		}
		url := fmt.Sprintf("http://%s/", net.JoinHostPort(hostIP, strconv.Itoa(all)))
		retry := "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- " + url + " && exit 0; sleep 0.2; done; exit 1"
		if out := e.Skiff("run", "--rm", BusyboxImage, "sh", "-c", retry).Success(t).Out(); out != want {
			t.Errorf("another container through %s: %q", url, out)
		}
		if out := e.Skiff("exec", name, "sh", "-c", retry).Success(t).Out(); out != want {
			t.Errorf("the container itself through %s (hairpin): %q", url, out)
		}
	}
	if got := inspectField(e, name, "{{json .NetworkSettings.Ports}}"); !strings.Contains(got, fmt.Sprintf(`{"HostIp":"127.0.0.1","HostPort":"%d"}`, local)) {
		t.Errorf("inspect's ports: %s", got)
	}

	// stop removes the rules and frees the ports; start and restart put
	// them back
	e.Skiff("stop", "-t", "1", name).Success(t)
	if left := dnatTables(t, ip); len(left) != 0 {
		t.Errorf("port tables after stop: %v", left)
	}
	if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", lo)); err != nil {
		t.Errorf("host port %d still taken after stop: %v", lo, err)
	} else {
		l.Close()
	}
	for _, verb := range []string{"start", "restart"} {
		e.Skiff(verb, name).Success(t)
		ip = netContainerIP(e, "bridge", name)
		if got := dnatTables(t, ip); len(got) != 1 {
			t.Errorf("port tables after %s: %v, want one", verb, got)
		}
		get("after "+verb, fmt.Sprintf("127.0.0.1:%d", dnatPortOn(e, name, "80/tcp", "127.0.0.1")))
	}
	e.Skiff("rm", "-f", name).Success(t)
	if left := dnatTables(t, ip); len(left) != 0 {
		t.Errorf("port tables after rm: %v", left)
	}
}

// kill -9: of the forwarder holding the ports (the next command touching
// the container puts a new one and its rules in place, the old rules
// go), of the monitor (the container dies, its rules with it), of both
// (the next rm removes them).
func TestNetworkPublishDNATKilled(t *testing.T) {
	Require(t, "busybox", "root", "hostroot")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	web := netWebServer(e, netName(t, "web"), "-p", "127.0.0.1::80")
	ip := netContainerIP(e, "bridge", web)
	url := fmt.Sprintf("http://127.0.0.1:%d/", netHostPort(e, web, "80"))
	holder := func() int {
		t.Helper()
		tables := dnatTables(t, ip)
		if len(tables) != 1 {
			t.Fatalf("port tables translating to %s: %v, want one", ip, tables)
		}
		pid, _, _ := strings.Cut(strings.TrimPrefix(tables[0], "skiff-ports-"), "-")
		n, _ := strconv.Atoi(pid)
		return n
	}
	netKill9(t, holder())
	e.Skiff("port", web).Success(t) // touches the container: repairs
	holder()
	if body, err := netHTTPGet(t, url); err != nil || !strings.Contains(body, "hello from "+web) {
		t.Fatalf("after kill -9 of the forwarder and `port`: %q, %v", body, err)
	}

	pid := pidOf(e, web)
	netKill9(t, parentPid(t, pid))
	waitUntil(t, 10*time.Second, "the container to die with its monitor", func() bool { return !alive(pid) })
	waitUntil(t, 10*time.Second, "the rules to go with the monitor", func() bool { return len(dnatTables(t, ip)) == 0 })

	e.Skiff("start", web).Success(t)
	ip = netContainerIP(e, "bridge", web)
	fwd := holder()
	pid = pidOf(e, web)
	monitor := parentPid(t, pid)
	netKill9(t, fwd)
	netKill9(t, monitor)
	waitUntil(t, 10*time.Second, "the container to die with its monitor", func() bool { return !alive(pid) })
	// system check lists the table (unless the network keeper swept it
	// first: one still there after the check was there during it)
	dnatCheckReports(t, e, ip)
	e.Skiff("rm", web).Success(t)
	if left := dnatTables(t, ip); len(left) != 0 {
		t.Errorf("port tables after kill -9 of monitor and forwarder, then rm: %v", left)
	}

	// a table of a container that no longer exists at all (its holder
	// a process that ended): listed, and removed by --repair
	holderCmd := exec.Command("true")
	if err := holderCmd.Start(); err != nil {
		t.Fatal(err)
	}
	start, err := proc.StartTime(holderCmd.Process.Pid) // a zombie until waited for
	_ = holderCmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("skiff-ports-%d-%d", holderCmd.Process.Pid, start)
	ghost := "10.88.254.254" // no container's: the rule never matches (port 9)
	// in one go: a stale table may be swept (a DNAT start, the network
	// keeper) as soon as it exists
	def := fmt.Sprintf("table ip %s { chain prerouting { type nat hook prerouting priority dstnat; ip daddr 127.0.0.1 tcp dport 9 dnat to %s:80; }; }\n", table, ghost)
	nft := exec.Command("nft", "-f", "-")
	nft.Stdin = strings.NewReader(def)
	if out, err := nft.CombinedOutput(); err != nil {
		t.Fatalf("nft -f -: %v\n%s%s", err, def, out)
	}
	t.Cleanup(func() { _ = exec.Command("nft", "delete", "table", "ip", table).Run() })
	dnatCheckReports(t, e, ghost)
	storeFindings(t, e, "--repair")
	if left := dnatTables(t, ghost); len(left) != 0 {
		t.Errorf("port tables after system check --repair: %v", left)
	}
}

// dnatCheckReports checks that system check reports the port tables
// translating to ip that are there after it ran.
func dnatCheckReports(t *testing.T, e *Env, ip string) {
	t.Helper()
	found := strings.Join(storeFindings(t, e), "\n")
	for _, table := range dnatTables(t, ip) {
		if !strings.Contains(found, "port table "+table+" (dnat to "+ip+":") {
			t.Errorf("system check does not report the port table %s whose holder is gone:\n%s", table, found)
		}
	}
}

// dnatTables lists skiff's port tables that translate to ip.
func dnatTables(t *testing.T, ip string) []string {
	t.Helper()
	out, err := exec.Command("nft", "list", "tables", "ip").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list tables: %v\n%s", err, out)
	}
	var found []string
	for _, l := range strings.Split(string(out), "\n") {
		name, ok := strings.CutPrefix(strings.TrimSpace(l), "table ip ")
		if !ok || !strings.HasPrefix(name, "skiff-ports-") {
			continue
		}
		rules, err := exec.Command("nft", "list", "table", "ip", name).CombinedOutput()
		if err == nil && strings.Contains(string(rules), "dnat to "+ip+":") {
			found = append(found, name)
		}
	}
	return found
}

// dnatPortOn is the host port published for key on the host address ip,
// from `port`.
func dnatPortOn(e *Env, name, key, ip string) int {
	e.T.Helper()
	for _, l := range e.Skiff("port", name, key).Success(e.T).Lines() { // HOST:PORT
		if host, port, err := net.SplitHostPort(strings.TrimSpace(l)); err == nil && host == ip {
			n, _ := strconv.Atoi(port)
			return n
		}
	}
	e.T.Fatalf("%s of %s is not published on %s", key, name, ip)
	return 0
}

// dnatHostAddress is an IPv4 address of the host other than loopback and
// the container bridges' ("" when there is none).
func dnatHostAddress(t *testing.T) string {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback != 0 || ifc.Flags&net.FlagUp == 0 || strings.HasPrefix(ifc.Name, "skiff") ||
			strings.HasPrefix(ifc.Name, "docker") || strings.HasPrefix(ifc.Name, "br-") || strings.HasPrefix(ifc.Name, "cni") ||
			strings.HasPrefix(ifc.Name, "veth") || strings.HasPrefix(ifc.Name, "podman") {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				return n.IP.String()
			}
		}
	}
	return ""
}

// dnatFreeRange is two consecutive host ports nothing uses now.
func dnatFreeRange(t *testing.T) (int, int) {
	for i := 0; i < 50; i++ {
		l1, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", p+1))
		l1.Close()
		if err == nil {
			l2.Close()
			return p, p + 1
		}
		if !strings.Contains(err.Error(), syscall.EADDRINUSE.Error()) {
			t.Fatal(err)
		}
	}
	t.Fatal("no two consecutive free ports")
	return 0, 0
}

// A UDP "connection" through a DNAT port lasts in conntrack while its
// client keeps sending, with the translation it got first: the client
// keeps its socket (one source port, one conntrack entry) while the
// container restarts and gets a new address, and its next datagrams must
// reach the new address (the entries are flushed when the rules go and
// come), not the old one.
func TestNetworkPublishDNATUDPRestart(t *testing.T) {
	Require(t, "root", "hostroot", "debian")
	t.Parallel()
	e := New(t)
	img := e.LoadDebian()
	name := netName(t, "udp")
	server := `$s=IO::Socket::INET->new(LocalPort=>5353,Proto=>"udp") or die; while(1){$s->recv($m,100); $s->send("pong\n")}`
	// a fixed host port: an ephemeral one is chosen anew at each start
	addr := fmt.Sprintf("127.0.0.1:%d", freeUDPPair(t))
	e.Skiff("run", "-d", "--name", name, "-p", addr+":5353/udp", img, "perl", "-MIO::Socket::INET", "-e", server).Success(t)
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ask := func(when string) {
		t.Helper()
		buf := make([]byte, 64)
		for range 50 {
			_, _ = c.Write([]byte("ping\n"))
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if n, err := c.Read(buf); err == nil && strings.TrimSpace(string(buf[:n])) == "pong" {
				return
			}
		}
		t.Fatalf("UDP through %s %s: no answer from %s (the client's conntrack entry kept an old translation?)", addr, when, name)
	}
	ask("after run")
	ip := netContainerIP(e, "bridge", name)
	for _, verb := range []string{"restart", "stop"} {
		e.Skiff(verb, "-t", "1", name).Success(t)
		if verb == "stop" {
			// datagrams while nothing publishes the port leave an entry
			// without translation; start must not be stuck with it
			_, _ = c.Write([]byte("ping\n"))
			e.Skiff("start", name).Success(t)
		}
		now := netContainerIP(e, "bridge", name)
		if now == ip {
			t.Fatalf("%s kept the address %s: the test needs a new one", verb, ip)
		}
		ip = now
		ask("after " + verb)
	}
}

// As root a container's link carries 64 KiB frames (what stays on the
// machine, a published port from the host's loopback among it, moves in
// 64 KiB segments) and its default route the MTU of the host's
// default-route interface (what leaves the machine keeps the uplink's
// size), docs/network.md.
func TestNetworkLinkMTU(t *testing.T) {
	Require(t, "busybox", "root", "hostroot")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	want := 1500
	if out, err := exec.Command("ip", "-4", "route", "show", "default").Output(); err == nil {
		if f := strings.Fields(string(out)); len(f) > 0 {
			for i := range f[:len(f)-1] {
				if f[i] == "dev" {
					if b, err := os.ReadFile("/sys/class/net/" + f[i+1] + "/mtu"); err == nil {
						if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
							want = min(n, 1500)
						}
					}
					break
				}
			}
		}
	}
	name := netName(t, "mtu")
	e.Skiff("run", "-d", "--name", name, BusyboxImage, "sleep", "600").Success(t)
	if mtu := e.Skiff("exec", name, "cat", "/sys/class/net/eth0/mtu").Success(t).Out(); mtu != "65520" {
		t.Errorf("eth0's MTU in a root container: %s, want 65520", mtu)
	}
	// busybox's ip prints no route metrics: the host's reads the
	// container's namespace
	route, err := exec.Command("nsenter", "-t", strconv.Itoa(pidOf(e, name)), "-n", "ip", "-4", "route", "show", "default").CombinedOutput()
	if err != nil || !strings.Contains(string(route), fmt.Sprintf(" mtu %d", want)) {
		t.Errorf("the container's default route: %q (%v), want one with mtu %d", route, err, want)
	}
	e.Skiff("rm", "-f", name).Success(t)
}
