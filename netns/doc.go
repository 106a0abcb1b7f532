// Package netns owns container networking below the records: network
// namespaces (created and pinned by path), bridges, veth pairs and address
// allocation (Host), the nftables rules for NAT and isolation, the
// rootless network namespace with its outward helper (pasta or
// slirp4netns), the network keeper that tears unused networks down, the
// per-network DNS responder, published ports (parsing, binding, the port
// forwarder), and /etc/hosts and /etc/resolv.conf. docs/network.md draws
// it.
//
// Three roles of the skiff binary live here: the port forwarder
// (ForwarderMain), the DNS responder (DNSMain) and the keeper
// (KeeperMain).
//
// It must not import storage, runtime or rootless: callers pass pids,
// paths and the state directory.
package netns
