package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// passNets are a user network with DNS, an --internal one and the
// default bridge.
func passNets() []*Network {
	return []*Network{
		{Name: "app", Bridge: "skiffa1b2c3d4e5", Subnet: netip.MustParsePrefix("10.89.3.0/24"),
			Gateway: netip.MustParseAddr("10.89.3.1"), DNS: true},
		{Name: "int", Bridge: "skiff0f0f0f0f0f", Subnet: netip.MustParsePrefix("10.89.4.0/22"),
			Gateway: netip.MustParseAddr("10.89.4.1"), Internal: true, DNS: true},
		{Name: DefaultNetworkName, Bridge: DefaultBridge, Subnet: DefaultSubnet, Gateway: netip.MustParseAddr("10.88.0.1")},
	}
}

// The rules of passNets as iptables -S prints them.
var passRulesText = []string{
	"-A SKIFF-FORWARD -i skiffa1b2c3d4e5 -o skiffa1b2c3d4e5 -j ACCEPT",
	"-A SKIFF-FORWARD -d 10.89.3.0/24 -o skiffa1b2c3d4e5 -m conntrack --ctstate DNAT -j ACCEPT",
	"-A SKIFF-FORWARD -s 10.89.3.0/24 -i skiffa1b2c3d4e5 ! -o skiff+ -j ACCEPT",
	"-A SKIFF-FORWARD -d 10.89.3.0/24 -o skiffa1b2c3d4e5 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
	"-A SKIFF-FORWARD -i skiff0f0f0f0f0f -o skiff0f0f0f0f0f -j ACCEPT",
	"-A SKIFF-FORWARD -d 10.89.4.0/22 -o skiff0f0f0f0f0f -m conntrack --ctstate DNAT -j ACCEPT",
	"-A SKIFF-FORWARD -i skiff0 -o skiff0 -j ACCEPT",
	"-A SKIFF-FORWARD -d 10.88.0.0/16 -o skiff0 -m conntrack --ctstate DNAT -j ACCEPT",
	"-A SKIFF-FORWARD -s 10.88.0.0/16 -i skiff0 ! -o skiff+ -j ACCEPT",
	"-A SKIFF-FORWARD -d 10.88.0.0/16 -o skiff0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
	"-A SKIFF-INPUT -d 10.89.3.1/32 -i skiffa1b2c3d4e5 -p udp -m udp --dport 53 -j ACCEPT",
	"-A SKIFF-INPUT -d 10.89.3.1/32 -i skiffa1b2c3d4e5 -p tcp -m tcp --dport 53 -j ACCEPT",
	"-A SKIFF-INPUT -d 10.89.4.1/32 -i skiff0f0f0f0f0f -p udp -m udp --dport 53 -j ACCEPT",
	"-A SKIFF-INPUT -d 10.89.4.1/32 -i skiff0f0f0f0f0f -p tcp -m tcp --dport 53 -j ACCEPT",
}

// inPrivateNetns runs fn in a new network namespace (root only); the
// commands fn runs are born there. fn runs on a thread of its own: it
// stops with fatalf, not t.Fatal.
func inPrivateNetns(t *testing.T, fn func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace")
	}
	pin := filepath.Join(t.TempDir(), "ns")
	if err := Create(pin); err != nil {
		t.Skipf("cannot create a network namespace: %v", err)
	}
	defer Remove(pin)
	_ = Do(pin, func() error {
		defer func() {
			if r := recover(); r != nil && r != errStop {
				panic(r)
			}
		}()
		fn()
		return nil
	})
}

var errStop = errors.New("test stopped")

// fatalf fails the test from inside inPrivateNetns.
func fatalf(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Errorf(format, args...)
	panic(errStop)
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed", name)
	}
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		fatalf(t, "%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// checkIptables compares iptables -S with the passes for policy DROP on
// FORWARD and INPUT: skiff's chains, one jump appended to each, nothing
// else touched.
func checkIptables(t *testing.T, tool string) {
	t.Helper()
	got := runTool(t, tool, "-S")
	want := strings.Join(append([]string{
		"-P INPUT DROP", "-P FORWARD DROP", "-P OUTPUT ACCEPT",
		"-N SKIFF-FORWARD", "-N SKIFF-INPUT",
		"-A INPUT -i lo -j ACCEPT", "-A INPUT -j SKIFF-INPUT",
		"-A FORWARD -i eth9 -j DROP", "-A FORWARD -j SKIFF-FORWARD",
	}, passRulesText...), "\n")
	if strings.TrimSpace(got) != want {
		t.Errorf("%s -S:\n%s\nwant:\n%s", tool, got, want)
	}
}

// checkInPlace checks what the keeper sees: the passes in place, gone
// after the firewall's chains were flushed, back after a refresh.
func checkInPlace(t *testing.T, tool string) {
	t.Helper()
	if !firewallInPlace(passNets()) {
		fatalf(t, "the passes just applied are not in place")
	}
	runTool(t, tool, "-F", "FORWARD")
	if firewallInPlace(passNets()) {
		fatalf(t, "the passes are in place after %s -F FORWARD", tool)
	}
	runTool(t, tool, "-A", "FORWARD", "-i", "eth9", "-j", "DROP")
	if err := applyFirewall(passNets(), false); err != nil || !firewallInPlace(passNets()) {
		fatalf(t, "after a refresh the passes are not in place (%v)", err)
	}
}

// mustApply applies the firewall for nets in the namespace.
func mustApply(t *testing.T, nets []*Network) {
	t.Helper()
	if err := applyFirewall(nets, false); err != nil {
		fatalf(t, "applying the firewall: %v", err)
	}
}

// dropFirewall sets iptables' INPUT and FORWARD policies to DROP with a
// rule of the admin's in each.
func dropFirewall(t *testing.T, tool string) {
	t.Helper()
	runTool(t, tool, "-A", "INPUT", "-i", "lo", "-j", "ACCEPT")
	runTool(t, tool, "-A", "FORWARD", "-i", "eth9", "-j", "DROP")
	runTool(t, tool, "-P", "INPUT", "DROP")
	runTool(t, tool, "-P", "FORWARD", "DROP")
}

// iptables-nft reads back what skiff writes (iptables -L keeps working),
// applying twice changes nothing, and the last network takes it all
// away again.
func TestPassesIptablesNft(t *testing.T) {
	needTool(t, "iptables-nft")
	inPrivateNetns(t, func() {
		dropFirewall(t, "iptables-nft")
		before := runTool(t, "iptables-nft", "-S")
		for i := 0; i < 2; i++ {
			mustApply(t, passNets())
		}
		checkIptables(t, "iptables-nft")
		runTool(t, "iptables-nft", "-L", "-n")
		checkInPlace(t, "iptables-nft")
		mustApply(t, nil)
		if after := runTool(t, "iptables-nft", "-S"); after != before {
			t.Errorf("after the last network, iptables-nft -S:\n%s\nwant:\n%s", after, before)
		}
	})
}

// The same with iptables-legacy, whose tables nftables does not reach.
func TestPassesIptablesLegacy(t *testing.T) {
	needTool(t, "iptables-legacy")
	inPrivateNetns(t, func() {
		mustApply(t, passNets())
		if names, _ := os.ReadFile("/proc/thread-self/net/ip_tables_names"); len(names) != 0 {
			t.Errorf("skiff created legacy tables: %q", names)
		}
		dropFirewall(t, "iptables-legacy")
		before := runTool(t, "iptables-legacy", "-S")
		for i := 0; i < 2; i++ {
			mustApply(t, passNets())
		}
		checkIptables(t, "iptables-legacy")
		checkInPlace(t, "iptables-legacy")
		// a second jump (by hand) goes, skiff's chain follows the networks
		runTool(t, "iptables-legacy", "-A", "FORWARD", "-j", "SKIFF-FORWARD")
		mustApply(t, passNets()[2:])
		got := runTool(t, "iptables-legacy", "-S")
		if strings.Count(got, "-j SKIFF-FORWARD") != 1 || strings.Count(got, "-A SKIFF-FORWARD") != 4 {
			t.Errorf("iptables-legacy -S with the default bridge only:\n%s", got)
		}
		mustApply(t, nil)
		if after := runTool(t, "iptables-legacy", "-S"); after != before {
			t.Errorf("after the last network, iptables-legacy -S:\n%s\nwant:\n%s", after, before)
		}
	})
}

// A native nftables ruleset with a drop policy gets skiff's chain in its
// own table (inet here); one with policy accept is left alone; the
// policy turning back to accept takes skiff's chain away.
func TestPassesNft(t *testing.T) {
	needTool(t, "nft")
	inPrivateNetns(t, func() {
		runTool(t, "nft", "add table inet fw; add chain inet fw fw_forward { type filter hook forward priority 0; policy drop; }; "+
			"add rule inet fw fw_forward ct state invalid drop; add table ip open; "+
			"add chain ip open fw_forward { type filter hook forward priority 0; policy accept; }")
		mustApply(t, passNets())
		got := runTool(t, "nft", "list", "ruleset")
		for _, want := range []string{
			"ct state invalid drop\n\t\tjump SKIFF-FORWARD\n",
			`iifname "skiff0" oifname != "skiff*" ip saddr 10.88.0.0/16 accept`,
			`oifname "skiffa1b2c3d4e5" ip daddr 10.89.3.0/24 ct state established,related accept`,
			`meta nfproto ipv4 iifname "skiff0f0f0f0f0f" oifname "skiff0f0f0f0f0f" accept`,
		} {
			if !strings.Contains(got, want) {
				t.Errorf("nft list ruleset lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "SKIFF-INPUT") || strings.Count(got, "chain SKIFF-FORWARD") != 1 {
			t.Errorf("skiff's chains where nothing drops:\n%s", got)
		}
		runTool(t, "nft", "add chain inet fw fw_forward { policy accept; }")
		mustApply(t, passNets())
		if got := runTool(t, "nft", "list", "ruleset"); strings.Contains(got, "SKIFF") {
			t.Errorf("skiff's chain stayed after the policy became accept:\n%s", got)
		}
	})
}

// What the keeper pays every second while networks are up, on a host
// with both iptables variants dropping.
func BenchmarkFirewallInPlace(b *testing.B) {
	for _, tool := range []string{"iptables-nft", "iptables-legacy"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed", tool)
		}
	}
	if os.Geteuid() != 0 {
		b.Skip("needs root: creates a network namespace")
	}
	pin := filepath.Join(b.TempDir(), "ns")
	if err := Create(pin); err != nil {
		b.Skipf("cannot create a network namespace: %v", err)
	}
	defer Remove(pin)
	err := Do(pin, func() error {
		for _, tool := range []string{"iptables-nft", "iptables-legacy"} {
			if out, err := exec.Command(tool, "-P", "FORWARD", "DROP").CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %v %s", tool, err, out)
			}
		}
		if err := applyFirewall(passNets(), false); err != nil {
			return err
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if !firewallInPlace(passNets()) {
				return errors.New("not in place")
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
