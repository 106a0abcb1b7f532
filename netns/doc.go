// Package netns owns container networking below the records: network
// namespaces (created and pinned by path), bridges, veth pairs and address
// allocation (Host), the nftables rules for NAT and isolation, the
// rootless network namespace with its outward helper (pasta or
// slirp4netns), the network keeper that tears unused networks down, the
// per-network DNS responder, published ports (parsing, binding, the port
// forwarder), and /etc/hosts and /etc/resolv.conf. docs/network.md draws
// it.
//
// As root, the host's other firewalls see skiff's packets too, and a drop
// policy in any of them (Docker's or ufw's iptables FORWARD DROP, an
// nftables ruleset's) wins over skiff's accept. skiff then appends a jump
// to a chain of its own (SKIFF-FORWARD, SKIFF-INPUT) that accepts its
// bridges' traffic only, in every base chain that drops by policy, and
// takes both away with the last network (passes.go). It finds those
// chains in the kernel, not from which iptables binary is installed,
// since a host may hold several: nftables tables (iptables-nft's among
// them, written so that iptables still reads them) through netlink, the
// iptables-legacy tables with getsockopt; iptables-legacy-restore, the
// only way to change x_tables, runs only while a legacy chain drops or
// holds skiff's rules (xtables.go). The network keeper puts the rules
// back when a firewall reload or Docker took them away.
//
// Three roles of the skiff binary live here: the port forwarder
// (ForwarderMain), the DNS responder (DNSMain) and the keeper
// (KeeperMain).
//
// It must not import storage, runtime or rootless: callers pass pids,
// paths and the state directory.
package netns
