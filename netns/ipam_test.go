package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// testPool is a pool over a temporary directory in which an endpoint is
// live while the file named by its Pin exists.
func testPool(t *testing.T, subnet, ipRange string) *pool {
	t.Helper()
	n := &Network{Name: "test", ID: "testid", Subnet: netip.MustParsePrefix(subnet)}
	n.Gateway = FirstHost(n.Subnet)
	if ipRange != "" {
		n.IPRange = netip.MustParsePrefix(ipRange)
	}
	return &pool{dir: t.TempDir(), net: n, live: func(ep *Endpoint) bool {
		_, err := os.Stat(ep.Pin)
		return err == nil
	}}
}

func livePin(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPoolAllocatesInOrderSkippingGateway(t *testing.T) {
	t.Parallel()
	p := testPool(t, "10.1.0.0/24", "")
	pin := livePin(t)
	for i, want := range []string{"10.1.0.2", "10.1.0.3", "10.1.0.4"} {
		ep := &Endpoint{ContainerID: fmt.Sprint("c", i), Pin: pin}
		if err := p.allocate(ep, netip.Addr{}); err != nil {
			t.Fatal(err)
		}
		if ep.IP.String() != want || ep.PrefixLen != 24 || ep.Gateway.String() != "10.1.0.1" {
			t.Errorf("allocation %d = %s/%d gw %s, want %s/24 gw 10.1.0.1", i, ep.IP, ep.PrefixLen, ep.Gateway, want)
		}
	}
}

func TestPoolRoundRobinAndRelease(t *testing.T) {
	t.Parallel()
	p := testPool(t, "10.2.0.0/24", "")
	pin := livePin(t)
	a := &Endpoint{ContainerID: "a", Pin: pin}
	b := &Endpoint{ContainerID: "b", Pin: pin}
	_ = p.allocate(a, netip.Addr{})
	p.release(a.IP, "a")
	if err := p.allocate(b, netip.Addr{}); err != nil {
		t.Fatal(err)
	}
	if b.IP.String() != "10.2.0.3" {
		t.Errorf("after releasing .2 the next allocation is %s, want 10.2.0.3 (round robin)", b.IP)
	}
	// release of someone else's address is ignored
	p.release(b.IP, "a")
	if eps, _ := p.endpoints(false); len(eps) != 1 {
		t.Errorf("endpoints after a foreign release = %d, want 1", len(eps))
	}
}

// 300 containers in turn on a /24: every address comes back.
func TestPoolNoLeakOver300Cycles(t *testing.T) {
	t.Parallel()
	p := testPool(t, "10.3.0.0/24", "")
	pin := livePin(t)
	for i := 0; i < 300; i++ {
		ep := &Endpoint{ContainerID: fmt.Sprint(i), Pin: pin}
		if err := p.allocate(ep, netip.Addr{}); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		p.release(ep.IP, ep.ContainerID)
	}
	if eps, _ := p.endpoints(false); len(eps) != 0 {
		t.Errorf("%d allocations left", len(eps))
	}
}

func TestPoolExhaustionAndStaleReclaim(t *testing.T) {
	t.Parallel()
	p := testPool(t, "10.4.0.0/29", "") // .2 to .6 usable: 5 addresses
	pin := livePin(t)
	for i := 0; i < 5; i++ {
		if err := p.allocate(&Endpoint{ContainerID: fmt.Sprint(i), Pin: pin}, netip.Addr{}); err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
	}
	err := p.allocate(&Endpoint{ContainerID: "x", Pin: pin}, netip.Addr{})
	if !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("allocation in a full pool: %v, want a conflict", err)
	}
	// the holder of all of them vanishes (kill -9, reboot): reclaimed
	os.Remove(pin)
	if err := p.allocate(&Endpoint{ContainerID: "y", Pin: livePin(t)}, netip.Addr{}); err != nil {
		t.Fatalf("allocation after the holders vanished: %v", err)
	}
	if eps, _ := p.endpoints(true); len(eps) != 1 {
		t.Errorf("live endpoints after pruning = %d, want 1", len(eps))
	}
}

func TestPoolSpecificAddress(t *testing.T) {
	t.Parallel()
	p := testPool(t, "10.5.0.0/24", "10.5.0.128/25")
	pin := livePin(t)
	ep := &Endpoint{ContainerID: "a", Pin: pin}
	if err := p.allocate(ep, netip.MustParseAddr("10.5.0.200")); err != nil || ep.IP.String() != "10.5.0.200" {
		t.Fatalf("--ip 10.5.0.200: %v %s", err, ep.IP)
	}
	if err := p.allocate(&Endpoint{ContainerID: "b", Pin: pin}, netip.MustParseAddr("10.5.0.200")); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("second --ip 10.5.0.200: %v, want a conflict", err)
	}
	for _, bad := range []string{"10.5.0.1", "10.5.0.10", "10.5.0.255", "10.6.0.5"} {
		if err := p.allocate(&Endpoint{ContainerID: "c", Pin: pin}, netip.MustParseAddr(bad)); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("--ip %s: %v, want invalid", bad, err)
		}
	}
	next := &Endpoint{ContainerID: "d", Pin: pin}
	if err := p.allocate(next, netip.Addr{}); err != nil || next.IP.String() != "10.5.0.128" {
		t.Errorf("allocation in --ip-range 10.5.0.128/25 = %s, %v; want 10.5.0.128", next.IP, err)
	}
}

func TestBroadcastAndMAC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ prefix, want string }{
		{"10.88.0.0/16", "10.88.255.255"}, {"192.168.1.0/24", "192.168.1.255"}, {"10.0.0.8/29", "10.0.0.15"},
	} {
		if got := broadcast(netip.MustParsePrefix(tc.prefix)).String(); got != tc.want {
			t.Errorf("broadcast(%s) = %s, want %s", tc.prefix, got, tc.want)
		}
	}
	if got := MACFor(netip.MustParseAddr("10.88.0.2")); got != "02:42:0a:58:00:02" {
		t.Errorf("MACFor = %s", got)
	}
	for in, ok := range map[string]bool{"92:d0:c6:0a:29:33": true, "01:00:5e:00:00:01": false, "zz": false} {
		if _, err := ParseMAC(in); (err == nil) != ok {
			t.Errorf("ParseMAC(%q): %v", in, err)
		}
	}
}
