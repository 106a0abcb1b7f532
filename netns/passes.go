package netns

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"
)

// Passes: skiff's traffic through the host's other firewalls (issue #9).
//
// Every netfilter base chain on a hook sees the packet, whichever table
// holds it, and a drop anywhere wins: skiff's own forward chain accepting
// a container's packet does not stop the iptables FORWARD chain, with
// the DROP policy Docker, ufw or an admin set, from dropping it (with
// br_netfilter, even packets between two containers of one bridge go
// through FORWARD). The only way through such a chain is a rule in it.
// So, as root, every filter base chain on the forward or input hook with
// policy drop, in any firewall, gets a jump, appended to its end, to a
// chain of skiff's in the same table that accepts skiff's traffic only:
//
//	SKIFF-FORWARD
//	  iifname BRIDGE oifname BRIDGE accept                            # within a network
//	  iifname BRIDGE ip saddr SUBNET oifname != "skiff*" accept       # outbound (not --internal)
//	  oifname BRIDGE ip daddr SUBNET ct state established,related accept   # its replies
//	  oifname BRIDGE ip daddr SUBNET ct status dnat accept            # published ports (root)
//	SKIFF-INPUT
//	  iifname BRIDGE ip daddr GATEWAY udp|tcp dport 53 accept         # the DNS responder
//
// Nothing else changes: no policy, no rule of anyone else's. Appended
// last, the jump stands in for the drop policy for skiff's packets only,
// after the chain's own rules (DOCKER-USER, Docker's isolation, ufw's
// rules) had their say. Isolation between networks stays in skiff's own
// table, whose drops hold whatever other tables accept. The chains and
// jumps go with the last network, or where the policy is no longer drop.
//
// The firewalls are found in the kernel, not by asking which iptables
// binary is installed, because a host may hold several at once (Docker
// on iptables-legacy next to an nftables ruleset):
//
//   - nftables (nft's own tables, iptables-nft's "ip filter", Docker 29's
//     "ip docker-bridges") through netlink, in the batch that also holds
//     the rest of the change. In iptables-nft's tables the rules are
//     written as iptables-nft writes them (ct state as the xt conntrack
//     match), so that `iptables -L`, `iptables-save` and the tools built
//     on them keep reading the table.
//   - iptables-legacy (x_tables, outside nftables): read with getsockopt,
//     changed with iptables-legacy-restore, the only interface x_tables
//     has; see xtables.go. That exec runs only while the legacy filter
//     table drops in a hook, or holds skiff's chains.
//
// Chains that reject in a rule rather than by policy (firewalld's) are
// left alone: docs/network.md says what to add there. The rootless
// namespace needs none of this: it is private, no firewall but skiff's
// has chains there.

// Chains skiff adds to other firewalls' tables.
const (
	passForward = "SKIFF-FORWARD"
	passInput   = "SKIFF-INPUT"
)

// passRule is one accept rule of a pass chain. Zero fields match
// anything.
type passRule struct {
	in, out     string // exact interface names
	outNot      string // an interface-name prefix the packet must not leave by
	src, dst    netip.Prefix
	proto       uint8 // unix.IPPROTO_TCP or IPPROTO_UDP, with dport
	dport       uint16
	established bool // replies: conntrack state established or related
	dnat        bool // published ports: conntrack status dnat (dnat.go)
}

// passHook is skiff's chain for one hook and its rules.
type passHook struct {
	chain string
	hook  nftables.ChainHook
	rules []passRule
}

// passHooks are the pass chains nets need.
func passHooks(nets []*Network) []passHook {
	fwd := passHook{chain: passForward, hook: *nftables.ChainHookForward}
	in := passHook{chain: passInput, hook: *nftables.ChainHookInput}
	for _, n := range nets {
		subnet := n.Subnet.Masked()
		fwd.rules = append(fwd.rules, passRule{in: n.Bridge, out: n.Bridge},
			passRule{out: n.Bridge, dst: subnet, dnat: true})
		if !n.Internal {
			fwd.rules = append(fwd.rules,
				passRule{in: n.Bridge, src: subnet, outNot: BridgePrefix},
				passRule{out: n.Bridge, dst: subnet, established: true})
		}
		if n.DNS {
			gw := netip.PrefixFrom(n.Gateway, 32)
			in.rules = append(in.rules,
				passRule{in: n.Bridge, dst: gw, proto: unix.IPPROTO_UDP, dport: 53},
				passRule{in: n.Bridge, dst: gw, proto: unix.IPPROTO_TCP, dport: 53})
		}
	}
	return []passHook{fwd, in}
}

// iptablesTable reports whether t is one of iptables-nft's tables, whose
// rules iptables must be able to read back.
func iptablesTable(t *nftables.Table) bool {
	if t.Family != nftables.TableFamilyIPv4 {
		return false
	}
	switch t.Name {
	case "filter", "nat", "mangle", "raw", "security":
		return true
	}
	return false
}

// exprs renders r for a table of family fam; compat writes conntrack as
// iptables-nft does.
func (r passRule) exprs(fam nftables.TableFamily, compat bool) []expr.Any {
	var e []expr.Any
	if fam == nftables.TableFamilyINet {
		e = append(e, &expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.NFPROTO_IPV4}})
	}
	if r.in != "" {
		e = append(e, matchIf(expr.MetaKeyIIFNAME, []byte(r.in+"\x00"), true)...)
	}
	if r.out != "" {
		e = append(e, matchIf(expr.MetaKeyOIFNAME, []byte(r.out+"\x00"), true)...)
	}
	if r.outNot != "" {
		e = append(e, matchIf(expr.MetaKeyOIFNAME, []byte(r.outNot), false)...)
	}
	if r.src.IsValid() {
		e = append(e, matchPrefix(12, r.src)...)
	}
	if r.dst.IsValid() {
		e = append(e, matchPrefix(16, r.dst)...)
	}
	if r.proto != 0 {
		port := make([]byte, 2)
		binary.BigEndian.PutUint16(port, r.dport)
		e = append(e, &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{r.proto}},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: port})
	}
	if r.established {
		e = append(e, matchReplies(compat)...)
	}
	if r.dnat {
		if compat {
			// -m conntrack --ctstate DNAT, iptables' name for the same
			info := &xt.ConntrackMtinfo3{}
			info.MatchFlags = uint16(xt.ConntrackState)
			info.StateMask = xtStateDNAT
			e = append(e, &expr.Match{Name: "conntrack", Rev: 3, Info: info})
		} else {
			e = append(e, matchDNAT()...)
		}
	}
	return append(e, &expr.Verdict{Kind: expr.VerdictAccept})
}

// matchPrefix compares the IPv4 address at offset of the network header
// with p, with the expressions iptables-nft uses (whole bytes where it
// can).
func matchPrefix(offset uint32, p netip.Prefix) []expr.Any {
	p = p.Masked()
	addr := p.Addr().As4()
	if p.Bits()%8 == 0 {
		n := uint32(p.Bits() / 8)
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: n},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr[:n]},
		}
	}
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: ipNet(p.Addr(), p.Bits()).Mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr[:]},
	}
}

// xtStateDNAT is the xt conntrack match's DNAT pseudo-state
// (XT_CONNTRACK_STATE_DNAT: 1 << (IP_CT_NUMBER + 2)).
const xtStateDNAT = 1 << 7

// ctReplies are the conntrack states of replies: established, related.
const ctReplies = expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED

// matchReplies matches replies to connections seen before: native ct
// state for nft, the xt conntrack match (-m conntrack --ctstate) that
// iptables-nft reads back.
func matchReplies(compat bool) []expr.Any {
	if compat {
		info := &xt.ConntrackMtinfo3{}
		info.MatchFlags = uint16(xt.ConntrackState)
		info.StateMask = uint16(ctReplies)
		return []expr.Any{&expr.Match{Name: "conntrack", Rev: 3, Info: info}}
	}
	return matchCtBits(expr.CtKeySTATE, ctReplies)
}

// matchCtBits matches connections whose conntrack field key (state,
// status) has any of bits set.
func matchCtBits(key expr.CtKey, bits uint32) []expr.Any {
	mask := make([]byte, 4)
	binary.NativeEndian.PutUint32(mask, bits)
	return []expr.Any{
		&expr.Ct{Register: 1, Key: key},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
	}
}

// jumpTo is the rule that sends a base chain's packets to chain.
func jumpTo(chain string) []expr.Any {
	return []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: chain}}
}

// isJumpTo reports whether r jumps to chain.
func isJumpTo(r *nftables.Rule, chain string) bool {
	for _, e := range r.Exprs {
		if v, ok := e.(*expr.Verdict); ok && (v.Kind == expr.VerdictJump || v.Kind == expr.VerdictGoto) && v.Chain == chain {
			return true
		}
	}
	return false
}

// nftTableOwner is NFT_TABLE_F_OWNER: the table belongs to the process
// that made it (firewalld's, for one).
const nftTableOwner = 0x2

// nftTable is what applyNftPasses needs to know of one table.
type nftTable struct {
	table  *nftables.Table
	chains []*nftables.Chain
}

// hostTables lists the IPv4 and inet tables of the calling thread's
// namespace other than skiff's, and their chains. Tables another
// process owns (NFT_TABLE_F_OWNER) are left out: only their owner may
// change them.
func hostTables(c *nftables.Conn) ([]*nftTable, error) {
	tables, err := c.ListTables()
	if err != nil {
		return nil, err
	}
	chains, err := c.ListChains()
	if err != nil {
		return nil, err
	}
	var out []*nftTable
	for _, t := range tables {
		if (t.Family != nftables.TableFamilyIPv4 && t.Family != nftables.TableFamilyINet) ||
			(t.Family == nftables.TableFamilyIPv4 && t.Name == firewallTable) || t.Flags&nftTableOwner != 0 {
			continue
		}
		nt := &nftTable{table: t}
		for _, ch := range chains {
			if ch.Table.Family == t.Family && ch.Table.Name == t.Name {
				ch.Table = t
				nt.chains = append(nt.chains, ch)
			}
		}
		out = append(out, nt)
	}
	return out, nil
}

// dropsOn reports whether ch is a filter base chain on hook with policy
// drop.
func dropsOn(ch *nftables.Chain, hook nftables.ChainHook) bool {
	return ch.Hooknum != nil && *ch.Hooknum == hook && ch.Type == nftables.ChainTypeFilter &&
		ch.Policy != nil && *ch.Policy == nftables.ChainPolicyDrop
}

// queueNftPasses queues on c what makes the nftables side of the passes
// match hooks (no rules: none at all).
func queueNftPasses(c *nftables.Conn, hooks []passHook) error {
	tables, err := hostTables(c)
	if err != nil {
		return fmt.Errorf("listing the host's nftables chains: %w", err)
	}
	for _, t := range tables {
		for _, h := range hooks {
			if err := passTable(c, t, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// passChains finds, in table t, skiff's chain for hook h and the base
// chains on h, and tells whether the passes want skiff's chain there:
// skiff has rules for h and a base chain drops by policy.
func passChains(t *nftTable, h passHook) (ours *nftables.Chain, bases []*nftables.Chain, want bool) {
	for _, ch := range t.chains {
		switch {
		case ch.Name == h.chain && ch.Hooknum == nil:
			ours = ch
		case ch.Hooknum != nil && *ch.Hooknum == h.hook:
			bases = append(bases, ch)
			want = want || (len(h.rules) > 0 && dropsOn(ch, h.hook))
		}
	}
	return ours, bases, want
}

// passTable queues the changes for hook h in table t: skiff's chain
// filled and one jump to it at the end of each base chain that drops,
// or neither.
func passTable(c *nftables.Conn, t *nftTable, h passHook) error {
	ours, bases, want := passChains(t, h)
	if !want && ours == nil {
		return nil
	}
	if want {
		if ours == nil {
			ours = c.AddChain(&nftables.Chain{Name: h.chain, Table: t.table})
		} else {
			c.FlushChain(ours)
		}
		compat := iptablesTable(t.table)
		for _, r := range h.rules {
			c.AddRule(&nftables.Rule{Table: t.table, Chain: ours, Exprs: r.exprs(t.table.Family, compat)})
		}
	}
	for _, b := range bases {
		rules, err := c.GetRules(t.table, b)
		if err != nil {
			return fmt.Errorf("reading chain %s of table %s: %w", b.Name, t.table.Name, err)
		}
		keep := want && dropsOn(b, h.hook)
		for _, r := range rules {
			if isJumpTo(r, h.chain) {
				if keep {
					keep = false // the first stays where it is
					continue
				}
				if err := c.DelRule(r); err != nil {
					return err
				}
			}
		}
		if keep {
			c.AddRule(&nftables.Rule{Table: t.table, Chain: b, Exprs: jumpTo(h.chain)})
		}
	}
	if !want {
		c.DelChain(ours)
	}
	return nil
}

// nftPassesInPlace reports whether every nftables base chain that drops
// on a hook of hooks jumps to skiff's chain for it.
func nftPassesInPlace(c *nftables.Conn, hooks []passHook) bool {
	tables, err := hostTables(c)
	if err != nil {
		return false
	}
	for _, t := range tables {
		for _, h := range hooks {
			ours, bases, want := passChains(t, h)
			if !want {
				continue
			}
			if ours == nil {
				return false
			}
			for _, b := range bases {
				if dropsOn(b, h.hook) && !hasJumpTo(c, t.table, b, h.chain) {
					return false
				}
			}
		}
	}
	return true
}

func hasJumpTo(c *nftables.Conn, t *nftables.Table, ch *nftables.Chain, chain string) bool {
	rules, err := c.GetRules(t, ch)
	if err != nil {
		return false
	}
	for _, r := range rules {
		if isJumpTo(r, chain) {
			return true
		}
	}
	return false
}
