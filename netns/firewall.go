package netns

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// firewallTable is skiff's nftables table, one per namespace holding
// bridges (the host's as root, the rootless namespace otherwise). It is
// rebuilt whole, in one atomic batch, whenever a bridge comes or goes:
//
//	table ip skiff {
//	  chain postrouting { type nat hook postrouting priority srcnat
//	    ip saddr SUBNET oifname != BRIDGE masquerade      # not --internal
//	  }
//	  chain forward { type filter hook forward priority filter; policy accept
//	    ct status dnat accept                              # published ports (dnat.go)
//	    iifname BRIDGE oifname BRIDGE accept
//	    iifname BRIDGE drop ; oifname BRIDGE drop          # --internal
//	    iifname BRIDGE oifname "skiff*" drop               # isolation
//	  }
//	  chain input { type filter hook input priority filter; policy accept
//	    ct state invalid drop                              # rootless only, see below
//	  }
//	}
//
// The rootless namespace drops invalid packets addressed to itself:
// pasta (2023) sends window updates without the ACK flag; conntrack finds
// them invalid, does not translate them back to the container, and the
// namespace's own stack would answer with a RST that kills the
// connection (apt-get's downloads stalled on it).
const firewallTable = "skiff"

// applyFirewall replaces skiff's table in the calling thread's network
// namespace with the rules for nets, and, as root, lets their traffic
// through the host's other firewalls (passes.go); no nets removes both.
// Table and nftables passes go in one batch, as a batch's commit is what
// costs; should the passes fail (a table skiff may not change), the
// table alone is committed, so that the NAT does not depend on them.
func applyFirewall(nets []*Network, rootless bool) error {
	if rootless {
		return commitFirewall(nets, true, nil) // the namespace is skiff's alone
	}
	hooks := passHooks(nets)
	if err := commitFirewall(nets, false, hooks); err != nil {
		if terr := commitFirewall(nets, false, nil); terr != nil {
			return terr
		}
		return err
	}
	return applyXtPasses(hooks)
}

// commitFirewall commits skiff's table and the nftables passes for
// hooks in one batch.
func commitFirewall(nets []*Network, rootless bool, hooks []passHook) error {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return err
	}
	defer c.CloseLasting()
	t := &nftables.Table{Name: firewallTable, Family: nftables.TableFamilyIPv4}
	c.AddTable(t)
	c.DelTable(t)
	if len(nets) > 0 {
		t = c.AddTable(t)
		addRules(c, t, nets)
		if rootless {
			addDropInvalid(c, t)
		}
	}
	if hooks != nil {
		if err := queueNftPasses(c, hooks); err != nil {
			return err
		}
	}
	if err := c.Flush(); err != nil {
		if hooks != nil {
			return fmt.Errorf("setting up nftables rules (skiff's and the host firewall's passes): %w", err)
		}
		return fmt.Errorf("setting up nftables rules: %w", err)
	}
	return nil
}

// firewallInPlace reports whether skiff's table and the passes for nets
// are in the calling thread's namespace, as far as cheap reads tell
// (the keeper asks every second): `nft flush ruleset`, a firewall
// restarted, or a drop policy set after the networks came up take them
// away or make new ones needed.
func firewallInPlace(nets []*Network) bool {
	c, err := nftables.New(nftables.AsLasting()) // one socket for the reads
	if err != nil {
		return true // nothing to be done about it here
	}
	defer c.CloseLasting()
	if _, err := c.ListTableOfFamily(firewallTable, nftables.TableFamilyIPv4); err != nil {
		return false
	}
	hooks := passHooks(nets)
	return nftPassesInPlace(c, hooks) && xtPassesInPlace(hooks)
}

func addRules(c *nftables.Conn, t *nftables.Table, nets []*Network) {
	accept := nftables.ChainPolicyAccept
	post := c.AddChain(&nftables.Chain{Name: "postrouting", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource})
	fwd := c.AddChain(&nftables.Chain{Name: "forward", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &accept})
	rule := func(ch *nftables.Chain, exprs ...expr.Any) {
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: exprs})
	}
	drop := &expr.Verdict{Kind: expr.VerdictDrop}
	// published ports (dnat.go) reach their container from anywhere,
	// as the port forwarder's connections do
	rule(fwd, append(matchDNAT(), &expr.Verdict{Kind: expr.VerdictAccept})...)
	for _, n := range nets {
		br := ifname(n.Bridge)
		rule(fwd, concat(matchIf(expr.MetaKeyIIFNAME, br, true), matchIf(expr.MetaKeyOIFNAME, br, true),
			[]expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}})...)
		if n.Internal {
			rule(fwd, append(matchIf(expr.MetaKeyIIFNAME, br, true), drop)...)
			rule(fwd, append(matchIf(expr.MetaKeyOIFNAME, br, true), drop)...)
			continue
		}
		rule(fwd, concat(matchIf(expr.MetaKeyIIFNAME, br, true),
			matchIf(expr.MetaKeyOIFNAME, []byte(BridgePrefix), true), []expr.Any{drop})...)
		subnet := n.Subnet.Masked()
		addr := subnet.Addr().As4()
		mask := ipNet(subnet.Addr(), subnet.Bits()).Mask
		rule(post, concat([]expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr[:]},
		}, matchIf(expr.MetaKeyOIFNAME, br, false), []expr.Any{&expr.Masq{}})...)
	}
}

// addDropInvalid drops invalid packets addressed to the namespace itself.
func addDropInvalid(c *nftables.Conn, t *nftables.Table) {
	accept := nftables.ChainPolicyAccept
	in := c.AddChain(&nftables.Chain{Name: "input", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookInput, Priority: nftables.ChainPriorityFilter, Policy: &accept})
	invalid := make([]byte, 4)
	binary.NativeEndian.PutUint32(invalid, expr.CtStateBitINVALID)
	c.AddRule(&nftables.Rule{Table: t, Chain: in, Exprs: []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: invalid, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}})
}

// ifname is an interface name as nftables compares it: NUL-padded to
// IFNAMSIZ. A name without the padding matches as a prefix.
func ifname(name string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

// matchIf compares the input or output interface name with name.
func matchIf(key expr.MetaKey, name []byte, equal bool) []expr.Any {
	op := expr.CmpOpEq
	if !equal {
		op = expr.CmpOpNeq
	}
	return []expr.Any{&expr.Meta{Key: key, Register: 1}, &expr.Cmp{Op: op, Register: 1, Data: name}}
}

func concat(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
