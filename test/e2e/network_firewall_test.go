package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostDrop is a firewall that drops forwarded packets by policy, as
// Docker's and ufw's iptables rules do, or an nftables ruleset.
type hostDrop struct {
	name string
	tool string // the program that sets it
	// set and undo are shell commands; undo puts back what set found
	// (see drop).
	set, undo string
	// rules lists the firewall's rules skiff's jump is in; dropJump
	// removes that jump as a reloaded firewall would.
	rules, dropJump string
}

func hostDrops() []hostDrop {
	iptables := func(tool string) hostDrop {
		// the policy found is put back: a Docker host keeps its DROP
		prev := `$(` + tool + ` -S FORWARD | sed -n 's/^-P FORWARD //p')`
		return hostDrop{name: tool, tool: tool,
			set:      `echo ` + prev + ` >"$STATE" && ` + tool + ` -P FORWARD DROP`,
			undo:     tool + ` -P FORWARD "$(cat "$STATE")"`,
			rules:    tool + ` -S`,
			dropJump: tool + ` -D FORWARD -j SKIFF-FORWARD`,
		}
	}
	return []hostDrop{
		iptables("iptables-nft"),
		iptables("iptables-legacy"),
		{name: "nft", tool: "nft",
			set:      `nft add table ip skiffe2efw '{ chain forward { type filter hook forward priority 0; policy drop; }; }'`,
			undo:     `nft delete table ip skiffe2efw`,
			rules:    `nft list table ip skiffe2efw`,
			dropJump: `nft delete table ip skiffe2efw && nft add table ip skiffe2efw '{ chain forward { type filter hook forward priority 0; policy drop; }; }'`,
		},
	}
}

// drop turns the firewall on for the rest of the (sub)test. The previous
// state comes back at cleanup, whatever the test's outcome, and, should
// the test process die first (a timeout panic runs no cleanup), from a
// watchdog five minutes later.
func (d hostDrop) drop(t *testing.T) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "state")
	env := append(os.Environ(), "STATE="+state)
	watchdog := exec.Command("sh", "-c", "sleep 300; "+d.undo)
	watchdog.Env = env
	watchdog.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := watchdog.Start(); err != nil {
		t.Fatal(err)
	}
	set := exec.Command("sh", "-c", d.set)
	set.Env = env
	out, err := set.CombinedOutput()
	t.Cleanup(func() {
		_ = syscall.Kill(-watchdog.Process.Pid, syscall.SIGKILL)
		_ = watchdog.Wait()
		if err != nil {
			return
		}
		undo := exec.Command("sh", "-c", d.undo)
		undo.Env = env
		if out, err := undo.CombinedOutput(); err != nil {
			t.Errorf("putting the host's firewall back: %s: %v\n%s", d.undo, err, out)
		}
	})
	if err != nil {
		t.Fatalf("%s: %v\n%s", d.set, err, out)
	}
}

func (d hostDrop) listRules(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", d.rules).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", d.rules, err, out)
	}
	return string(out)
}

// bridgeNetfilter makes bridged packets go through the iptables hooks
// (br_netfilter, net.bridge.bridge-nf-call-iptables=1) for the test, as
// on a host where Docker runs.
func bridgeNetfilter(t *testing.T) {
	t.Helper()
	const key = "/proc/sys/net/bridge/bridge-nf-call-iptables"
	if _, err := os.Stat(key); err != nil {
		if out, err := exec.Command("modprobe", "br_netfilter").CombinedOutput(); err != nil {
			t.Skipf("br_netfilter cannot be loaded: modprobe br_netfilter: %v %s", err, strings.TrimSpace(string(out)))
		}
	}
	prev, err := os.ReadFile(key)
	if err != nil {
		t.Skipf("br_netfilter cannot be loaded: %v", err)
	}
	if strings.TrimSpace(string(prev)) != "1" {
		if err := os.WriteFile(key, []byte("1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.WriteFile(key, prev, 0o644) })
	}
}

// Root on a host whose firewall drops forwarded packets by policy
// (iptables-nft, iptables-legacy, nftables), with br_netfilter: the
// containers of a network reach each other (by address and name), the
// outside (DNS and TCP to the Debian mirror) and their published ports;
// two networks stay apart; skiff's rules leave with the networks, and
// come back when the firewall is reloaded under running containers (issue
// #9). Not parallel: the host's firewall changes for a few seconds per
// backend (everything is set up after the drop, so that the test holds
// whoever else's networks are up), then is put back.
func TestNetworkHostFirewallDrops(t *testing.T) {
	Require(t, "root", "hostroot", "busybox")
	bridgeNetfilter(t)
	for _, d := range hostDrops() {
		t.Run(d.name, func(t *testing.T) {
			if _, err := exec.LookPath(d.tool); err != nil {
				t.Skipf("%s is not installed", d.tool)
			}
			e := New(t)
			e.LoadBusybox()
			d.drop(t)
			hostFirewallChecks(t, e, d)
		})
	}
}

func hostFirewallChecks(t *testing.T, e *Env, d hostDrop) {
	a, b := netName(t, "a"), netName(t, "b")
	e.Skiff("network", "create", a).Success(t)
	e.Skiff("network", "create", b).Success(t)
	webA := netWebServer(e, netName(t, "weba"), "--network", a, "--network-alias", "www", "-p", "127.0.0.1::80", "-p", "80")
	webD := netWebServer(e, netName(t, "webd"))
	ipA, ipD := netContainerIP(e, a, webA), netContainerIP(e, "bridge", webD)
	if rules := d.listRules(t); !strings.Contains(rules, "SKIFF-FORWARD") {
		t.Fatalf("no SKIFF-FORWARD where %s drops:\n%s", d.name, rules)
	}
	// busybox's wget cannot resolve the host's names (static, no NSS):
	// nslookup asks the host's resolver, wget connects to the address
	get := "for i in $(seq 25); do timeout 2 wget -q -O- http://%s/ && break; sleep 0.2; done"
	outside := `ip=$(nslookup deb.debian.org | sed -n 's/^Address: \([0-9.]*\)$/\1/p' | head -n 1); ` +
		`timeout 10 wget -q -O /dev/null --header "Host: deb.debian.org" http://$ip/debian/dists/bookworm/Release && echo outside`
	probe := func(network, script string) string {
		r := e.Skiff("run", "--rm", "--network", network, BusyboxImage, "sh", "-c", script)
		if r.Code != 0 {
			t.Fatalf("probe on %s: exit %d\n%s\nthe firewall:\n%s", network, r.Code, r.Stderr, d.listRules(t))
		}
		return r.Out()
	}
	want := fmt.Sprintf("hello from %s\nhello from %s\nhello from %s\noutside", webA, webA, webA)
	if out := probe(a, fmt.Sprintf(get, ipA)+";"+fmt.Sprintf(get, webA)+";"+fmt.Sprintf(get, "www")+";"+outside); out != want {
		t.Errorf("on network %s, by address, name and alias, then the Debian mirror:\n%s\nwant:\n%s", a, out, want)
	}
	want = fmt.Sprintf("hello from %s\noutside", webD)
	if out := probe("bridge", fmt.Sprintf(get, ipD)+";"+outside); out != want {
		t.Errorf("on the default bridge, by address, then the Debian mirror:\n%s\nwant:\n%s", out, want)
	}
	port := dnatPortOn(e, webA, "80/tcp", "127.0.0.1")
	if body, err := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || strings.TrimSpace(body) != "hello from "+webA {
		t.Errorf("published port of %s: %q, %v", webA, body, err)
	}
	blocked := "timeout 3 wget -q -O /dev/null http://" + ipA + "/ && echo reached || echo blocked"
	if out := probe(b, blocked); out != "blocked" {
		t.Errorf("a container on %s reached %s on %s: %s", b, ipA, a, out)
	}
	// but its port published on the host's addresses is reachable from
	// the other network through the host, as from anywhere: the kernel's
	// DNAT crosses the forward hook (SKIFF-FORWARD's ct status dnat)
	if host := dnatHostAddress(t); host != "" {
		url := net.JoinHostPort(host, strconv.Itoa(dnatPortOn(e, webA, "80/tcp", "0.0.0.0")))
		if out := probe(b, fmt.Sprintf(get, url)); out != "hello from "+webA {
			t.Errorf("a container on %s through the published port %s of %s: %q", b, url, webA, out)
		}
	}
	hostFirewallReload(t, d, e, webD, outside)
	// the rules of a network leave with it
	bridgeA := "skiff" + netInspect(e, a).Id[:10]
	e.Skiff("rm", "-f", webA).Success(t)
	e.Skiff("network", "rm", a, b).Success(t)
	if rules := d.listRules(t); strings.Contains(rules, bridgeA) {
		t.Errorf("the rules of network %s stayed after network rm:\n%s", a, rules)
	}
	e.Skiff("rm", "-f", webD).Success(t)
	// and with the last network everything of skiff's goes (unless other
	// installations on this host keep networks up)
	if up, _ := os.ReadDir("/run/skiff/net/networks"); len(up) == 0 {
		if rules := d.listRules(t); strings.Contains(rules, "SKIFF") {
			t.Errorf("skiff's rules stayed after its last network went:\n%s", rules)
		}
	}
}

// hostFirewallReload takes skiff's jump away, as a reloaded firewall or
// a restarted Docker does, under a running container: the network keeper
// puts it back and the container reaches the outside again. Only when
// this skiff's keeper is the one running (other installations may share
// the host's networks).
func hostFirewallReload(t *testing.T, d hostDrop, e *Env, ctr, outside string) {
	var keeper struct{ Pid int }
	b, err := os.ReadFile("/run/skiff/net/keeper.json")
	if err == nil {
		err = json.Unmarshal(b, &keeper)
	}
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", keeper.Pid))
	if err != nil || exe != suite.binary {
		t.Logf("the network keeper running is %q, not this skiff %q (%v): no firewall reload tested", exe, suite.binary, err)
		return
	}
	if out, err := exec.Command("sh", "-c", d.dropJump).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", d.dropJump, err, out)
	}
	if !netEventually(5*time.Second, func() bool {
		return strings.Contains(d.listRules(t), "-j SKIFF-FORWARD") ||
			strings.Contains(d.listRules(t), "jump SKIFF-FORWARD")
	}) {
		t.Errorf("the keeper did not put skiff's rules back after %s:\n%s", d.dropJump, d.listRules(t))
	}
	if out := e.Skiff("exec", ctr, "sh", "-c", outside).Success(t).Out(); out != "outside" {
		t.Errorf("%s cannot reach the Debian mirror after the firewall was reloaded: %q", ctr, out)
	}
}
