package netns

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/proc"
)

// Published ports as root: kernel DNAT to the container's address, as
// Docker does with `userland-proxy: false`. No process copies the bytes;
// the port forwarder process only holds the host ports reserved (a
// listening socket DNAT bypasses, so that no program can take them) and
// serves the IPv6 ones, which the IPv4 rules do not cover.
//
// Each container's rules are a table of their own, named after the
// process holding its ports (the forwarder: pid and start time), so that
// the table is removed as a whole, in one message, and one that outlived
// its holder (kill -9 of both) is recognised by anyone:
//
//	table ip skiff-ports-PID-START {
//	  chain raw { type filter hook prerouting priority raw
//	    iifname BRIDGE ip daddr 127.0.0.0/8 drop     # route_localnet opens the host's loopback to the bridge: close it
//	  }
//	  chain prerouting { type nat hook prerouting priority dstnat
//	    [ip daddr HOSTIP | fib daddr type local] PROTO dport HOSTPORT dnat to ADDRESS:PORT
//	  }
//	  chain output { type nat hook output priority dstnat     # the host's own connections
//	    the same rules
//	  }
//	  chain postrouting { type nat hook postrouting priority srcnat
//	    oifname BRIDGE ip saddr 127.0.0.0/8 ip daddr ADDRESS masquerade        # from the host's loopback
//	    oifname BRIDGE ip saddr SUBNET ip daddr ADDRESS ct status dnat masquerade  # hairpin
//	  }
//	}
//
// Traffic from the host's loopback leaves by the bridge with a 127/8
// source, which the kernel allows only with route_localnet set on the
// bridge (Docker sets it on docker0 too); the masquerade gives the
// container the gateway's address as the peer, as a connection from the
// host would. A container reaching its own published port (or its
// network's neighbours') through a host address is masqueraded too, or
// the replies would bypass the translation; its port on the bridge is in
// hairpin mode, as Docker's are without the proxy: with br_netfilter the
// translated packet is bridged back out of the port it came in by.

// DNATPrefix starts the name of every container's port table.
const DNATPrefix = "skiff-ports-"

// DNATRules are the kernel's share of a container's published ports.
type DNATRules struct {
	Bridge string       // the bridge of the container's primary network
	Veth   string       // the container's port on it (Endpoint.HostIfName)
	Subnet netip.Prefix // its subnet
	Target netip.Addr   // the container's address there
	Ports  []BoundPort  // the IPv4 ports (DNATPort)
}

// DNATPort reports whether p is published by the kernel's DNAT when the
// container has rules: the IPv4 ones; the forwarder serves IPv6.
func DNATPort(p BoundPort) bool {
	a, err := netip.ParseAddr(p.HostIP)
	return err == nil && a.Is4()
}

// DNATTable is the name of the port table held by the process pid
// started at start.
func DNATTable(pid int, start uint64) string {
	return DNATPrefix + strconv.Itoa(pid) + "-" + strconv.FormatUint(start, 10)
}

// AddDNAT puts a container's port table named table into the caller's
// (the host's) network namespace.
func AddDNAT(table string, r *DNATRules) error {
	if err := os.WriteFile(filepath.Join("/proc/sys/net/ipv4/conf", r.Bridge, "route_localnet"), []byte("1"), 0o644); err != nil {
		return fmt.Errorf("publishing ports on %s: %w", r.Bridge, err)
	}
	if r.Veth != "" {
		// With br_netfilter (Docker loads it) a hairpinned packet is
		// translated on the bridge and goes back out of the port it came
		// in by, which the bridge allows only in hairpin mode.
		if err := os.WriteFile(filepath.Join("/sys/class/net", r.Veth, "brport/hairpin_mode"), []byte("1"), 0o644); err != nil {
			return fmt.Errorf("publishing ports on %s: %w", r.Veth, err)
		}
	}
	c, err := nftables.New()
	if err != nil {
		return err
	}
	// A table that outlived its holder could translate the same port to
	// an address given to another container since: it goes in this batch.
	queueStaleDNAT(c)
	t := c.AddTable(&nftables.Table{Name: table, Family: nftables.TableFamilyIPv4})
	accept := nftables.ChainPolicyAccept
	chain := func(name string, typ nftables.ChainType, hook *nftables.ChainHook, prio *nftables.ChainPriority) *nftables.Chain {
		return c.AddChain(&nftables.Chain{Name: name, Table: t, Type: typ, Hooknum: hook, Priority: prio, Policy: &accept})
	}
	rule := func(ch *nftables.Chain, exprs ...[]expr.Any) {
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: concat(exprs...)})
	}
	br := ifname(r.Bridge)
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	target := r.Target.As4()

	raw := chain("raw", nftables.ChainTypeFilter, nftables.ChainHookPrerouting, nftables.ChainPriorityRaw)
	rule(raw, matchIf(expr.MetaKeyIIFNAME, br, true), matchPrefix(16, loopback), []expr.Any{&expr.Verdict{Kind: expr.VerdictDrop}})

	pre := chain("prerouting", nftables.ChainTypeNAT, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest)
	out := chain("output", nftables.ChainTypeNAT, nftables.ChainHookOutput, nftables.ChainPriorityNATDest)
	for _, p := range r.Ports {
		dst := matchLocal()
		if ip := netip.MustParseAddr(p.HostIP); !ip.IsUnspecified() {
			dst = matchPrefix(16, netip.PrefixFrom(ip, 32))
		}
		proto := byte(unix.IPPROTO_TCP)
		if p.Proto == "udp" {
			proto = unix.IPPROTO_UDP
		}
		match := concat(dst,
			[]expr.Any{
				&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(uint16(p.HostPort))},
				&expr.Immediate{Register: 1, Data: target[:]},
				&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(uint16(p.ContainerPort))},
				&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
			})
		rule(pre, match)
		rule(out, match)
	}

	post := chain("postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource)
	toTarget := matchPrefix(16, netip.PrefixFrom(r.Target, 32))
	masq := []expr.Any{&expr.Masq{}}
	rule(post, matchIf(expr.MetaKeyOIFNAME, br, true), matchPrefix(12, loopback), toTarget, masq)
	rule(post, matchIf(expr.MetaKeyOIFNAME, br, true), matchPrefix(12, r.Subnet.Masked()), toTarget, matchDNAT(), masq)
	if err := c.Flush(); err != nil {
		return fmt.Errorf("setting up the published ports' nftables rules: %w", err)
	}
	// UDP flows that reached the ports while no rule translated them
	// (or one that translated to another address) would keep their
	// conntrack entry, and with it their old path, for as long as the
	// client keeps sending: they start over through the new rules.
	FlushUDPConntrack(r.Ports)
	return nil
}

// FlushUDPConntrack forgets the kernel's UDP flows to the IPv4 ports of
// ports published by DNAT, as Docker does when a container starts or
// stops: a UDP "connection" lasts while packets keep coming, and its
// entry holds the translation it got first, to an address the container
// may no longer have. Errors are ignored: without conntrack's netlink
// there are no entries to flush either.
func FlushUDPConntrack(ports []BoundPort) {
	var filters []netlink.CustomConntrackFilter
	for _, p := range ports {
		if p.Proto != "udp" || !DNATPort(p) {
			continue
		}
		f := &netlink.ConntrackFilter{}
		_ = f.AddProtocol(unix.IPPROTO_UDP)
		_ = f.AddPort(netlink.ConntrackOrigDstPort, uint16(p.HostPort))
		if ip := net.ParseIP(p.HostIP); ip != nil && !ip.IsUnspecified() {
			_ = f.AddIP(netlink.ConntrackOrigDstIP, ip)
		}
		filters = append(filters, f)
	}
	if len(filters) > 0 {
		_, _ = netlink.ConntrackDeleteFilters(netlink.ConntrackTable, unix.AF_INET, filters...)
	}
}

// RemoveDNAT removes the port table named table; one already gone is no
// error.
func RemoveDNAT(table string) {
	c, err := nftables.New()
	if err != nil {
		return
	}
	if _, err := c.ListTableOfFamily(table, nftables.TableFamilyIPv4); err != nil {
		return
	}
	c.DelTable(&nftables.Table{Name: table, Family: nftables.TableFamilyIPv4})
	_ = c.Flush()
}

// SweepDNAT removes the port tables whose holder is gone: both the
// container's monitor and its forwarder were killed (kill -9), so nobody
// removed them on the way.
func SweepDNAT() { _ = RemoveStaleDNAT() }

// RemoveStaleDNAT is SweepDNAT that says why it could not.
func RemoveStaleDNAT() error {
	c, err := nftables.New()
	if err != nil {
		return err
	}
	if queueStaleDNAT(c) > 0 {
		return c.Flush()
	}
	return nil
}

// StaleDNAT describes the port tables whose holder is gone (what
// RemoveStaleDNAT removes), one line each: the table and where it
// translates to. The container they were made for no longer runs (its
// monitor died with the forwarder) or no longer exists, and the address
// they translate to may be another container's by now.
func StaleDNAT() ([]string, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, err
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, fmt.Errorf("listing nftables tables: %w", err)
	}
	var out []string
	for _, t := range tables {
		if !staleDNAT(t.Name) {
			continue
		}
		what := "port table " + t.Name
		if to := dnatTargets(c, t); len(to) > 0 {
			what += " (" + strings.Join(to, ", ") + ")"
		}
		out = append(out, what+" outlived its port forwarder: it belongs to no running container")
	}
	return out, nil
}

// dnatTargets lists what table t's prerouting rules translate to, as
// "dnat to ADDRESS:PORT".
func dnatTargets(c *nftables.Conn, t *nftables.Table) []string {
	rules, err := c.GetRules(t, &nftables.Chain{Name: "prerouting", Table: t})
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range rules {
		var addr netip.Addr
		port := -1
		for _, e := range r.Exprs {
			if imm, ok := e.(*expr.Immediate); ok {
				switch len(imm.Data) {
				case 4:
					addr = netip.AddrFrom4([4]byte(imm.Data))
				case 2:
					port = int(binary.BigEndian.Uint16(imm.Data))
				}
			}
		}
		if addr.IsValid() && port >= 0 {
			out = append(out, "dnat to "+netip.AddrPortFrom(addr, uint16(port)).String())
		}
	}
	return out
}

// queueStaleDNAT queues the removal of the port tables whose holder is
// gone and returns how many.
func queueStaleDNAT(c *nftables.Conn) int {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return 0
	}
	n := 0
	for _, t := range tables {
		if staleDNAT(t.Name) {
			c.DelTable(t)
			n++
		}
	}
	return n
}

// staleDNAT reports whether name is a port table whose holder died.
func staleDNAT(name string) bool {
	rest, ok := strings.CutPrefix(name, DNATPrefix)
	if !ok {
		return false
	}
	p, s, _ := strings.Cut(rest, "-")
	pid, err1 := strconv.Atoi(p)
	start, err2 := strconv.ParseUint(s, 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return false // not one of ours
	}
	return !proc.Alive(pid, start)
}

// matchLocal matches packets addressed to one of the host's own
// addresses (fib daddr type local).
func matchLocal() []expr.Any {
	local := make([]byte, 4)
	binary.NativeEndian.PutUint32(local, unix.RTN_LOCAL)
	return []expr.Any{
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: local},
	}
}

// matchDNAT matches connections whose destination was translated (ct
// status dnat).
func matchDNAT() []expr.Any { return matchCtBits(expr.CtKeySTATUS, ctStatusDstNAT) }

// ctStatusDstNAT is the kernel's IPS_DST_NAT.
const ctStatusDstNAT = 1 << 5

// HasDNAT reports whether the port table named table is in place (one
// read; a failed read says yes: nothing can be done about it here).
func HasDNAT(table string) bool {
	c, err := nftables.New()
	if err != nil {
		return true
	}
	_, err = c.ListTableOfFamily(table, nftables.TableFamilyIPv4)
	return err == nil
}
