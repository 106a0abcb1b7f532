package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kill -9 of the port forwarder: the next command that touches the
// container starts a new one, and the container kept running.
func TestNetworkForwarderKilled(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	web := netWebServer(e, netName(t, "web"), "-p", "80")
	port := netHostPort(e, web, "80")
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if _, err := netHTTPGet(t, url); err != nil {
		t.Fatal(err)
	}
	netKill9(t, netListenerPid(t, port))
	e.Skiff("port", web).Success(t) // touches the container: repairs
	if body, err := netHTTPGet(t, url); err != nil || !strings.Contains(body, "hello from "+web) {
		t.Fatalf("after kill -9 of the forwarder and `port`: %q, %v", body, err)
	}
	e.Skiff("exec", web, "true").Success(t) // still the same container
}

// kill -9 of a network's DNS responder: restarted by the next command
// touching a container on the network; names resolve again.
func TestNetworkDNSResponderKilled(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	app := netName(t, "app")
	e.Skiff("network", "create", app).Success(t)
	web := netWebServer(e, netName(t, "web"), "--network", app)
	client := netName(t, "cli")
	e.Skiff("run", "-d", "--name", client, "--network", app, BusyboxImage, "sleep", "600").Success(t)
	pids := netPids("skiff-dns", app)
	if len(pids) != 1 {
		t.Fatalf("DNS responders of %s: %v, want one", app, pids)
	}
	netKill9(t, pids[0])
	out := e.Skiff("exec", client, "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do nslookup "+web+" && exit 0; sleep 0.3; done; exit 1").Success(t).Stdout
	if !strings.Contains(out, netContainerIP(e, app, web)) {
		t.Errorf("after kill -9 of the DNS responder:\n%s", out)
	}
	if pids := netPids("skiff-dns", app); len(pids) != 1 {
		t.Errorf("DNS responders after the repair: %v", pids)
	}
}

// Rootless: one pasta (or slirp4netns) serves every container of the
// user; --network pasta gets a private one; kill -9 of the shared one is
// repaired; it goes away once nothing needs it.
func TestNetworkRootlessHelper(t *testing.T) {
	Require(t, "busybox", "rootless", "pasta")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ns := filepath.Join(e.RuntimeDir(), "net", "ns")
	a, b := netName(t, "a"), netName(t, "b")
	e.Skiff("run", "-d", "--name", a, BusyboxImage, "sleep", "600").Success(t)
	e.Skiff("run", "-d", "--name", b, BusyboxImage, "sleep", "600").Success(t)
	shared := netPids("pasta", "--netns "+ns)
	if len(shared) != 1 {
		t.Fatalf("pasta processes for the shared namespace: %v, want 1", shared)
	}
	mtu := e.Skiff("exec", a, "cat", "/sys/class/net/eth0/mtu").Success(t).Out()
	if mtu != "65520" {
		t.Errorf("MTU in a rootless container = %s, want 65520", mtu)
	}
	priv := netName(t, "priv")
	e.Skiff("run", "-d", "--name", priv, "--network", "pasta", BusyboxImage, "sleep", "600").Success(t)
	if p := netPids("pasta", "--netns "+e.RunRoot); len(p) != 1 {
		t.Errorf("private pasta for --network pasta: %v", p)
	}
	netKill9(t, shared[0])
	e.Skiff("exec", a, "true").Success(t)
	if p := netPids("pasta", "--netns "+ns); len(p) != 1 || p[0] == shared[0] {
		t.Errorf("pasta after kill -9 and exec: %v (was %d)", p, shared[0])
	}
	e.Skiff("rm", "-f", a, b, priv).Success(t)
	if !netEventually(10*time.Second, func() bool { return len(netPids("pasta", e.Tmp)) == 0 }) {
		t.Errorf("pasta still runs after the last container went: %v", netPids("pasta", e.Tmp))
	}
}

// kill -9 of the monitor or of the CLI: rm cleans up, and the address is
// free again.
func TestNetworkKilledMonitorAndCLI(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	app := netName(t, "app")
	e.Skiff("network", "create", "--subnet", tnet("10.205.0.0/29"), app).Success(t) // 5 addresses
	// the CLI of a foreground run dies: the container goes on
	name := netName(t, "fg")
	cmd := e.Cmd("run", "--name", name, "--network", app, "--ip", tnet("10.205.0.2"), BusyboxImage, "sleep", "600")
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !netEventually(20*time.Second, func() bool { return e.Skiff("exec", name, "true").Code == 0 }) {
		t.Fatal("the foreground container never ran")
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	e.Skiff("exec", name, "true").Success(t)
	// the monitor of another container dies: the container ends
	mon := netName(t, "mon")
	id := e.Skiff("run", "-d", "--name", mon, "--network", app, BusyboxImage, "sleep", "600").Success(t).Out()
	monitors := netPids("skiff-monitor", id)
	if len(monitors) != 1 {
		t.Fatalf("monitor of %s: %v", mon, monitors)
	}
	netKill9(t, monitors[0])
	e.Skiff("rm", "-f", name, mon).Success(t)
	if left := netInspect(e, app).Containers; len(left) != 0 {
		t.Errorf("containers left on %s: %v", app, left)
	}
	// every address is free again: five containers fit the /29
	for i := 0; i < 5; i++ {
		e.Skiff("run", "-d", "--name", fmt.Sprintf("%s%d", app, i), "--network", app, BusyboxImage, "sleep", "600").Success(t)
	}
}

// 300 containers in turn on a /24: allocations do not leak.
func TestNetwork300RunsOnASlash24(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	app := netName(t, "app")
	e.Skiff("network", "create", "--subnet", tnet("10.206.0.0/24"), app).Success(t)
	for i := 0; i < 300; i++ {
		r := e.Skiff("run", "--rm", "--network", app, BusyboxImage, "true")
		if r.Code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, r.Code, r.Stderr)
		}
	}
	if left := netInspect(e, app).Containers; len(left) != 0 {
		t.Errorf("containers left on %s: %v", app, left)
	}
}
