package netns

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
)

// Network is what netns needs to know of a bridge network; the runtime
// keeps the records (names, labels, creation times).
type Network struct {
	Name   string
	ID     string
	Bridge string // the bridge interface
	Subnet netip.Prefix
	// Gateway is the bridge's address; IPRange, when valid, is the part
	// of Subnet containers get addresses from.
	Gateway  netip.Addr
	IPRange  netip.Prefix
	Internal bool
	// DNS runs a DNS responder on the gateway that answers the names of
	// the network's containers (user-defined networks, as in docker).
	DNS bool
}

// Default network facts, docker's "bridge" with podman's addresses.
const (
	DefaultNetworkName = "bridge"
	DefaultBridge      = "skiff0"
	// BridgePrefix starts every bridge skiff makes: isolation rules match
	// it.
	BridgePrefix = "skiff"
	// RootlessMTU is the MTU inside the rootless network namespace, that
	// of pasta's and slirp4netns's tap device.
	RootlessMTU = 65520
	// LinkMTU is the MTU of every bridge and veth skiff makes, root or
	// rootless: the host's loopback's size, so that what stays on the
	// machine (a published port from the host's loopback, the host and
	// its containers, containers on one network) moves in segments of up
	// to 64 KiB. Traffic leaving by the host's uplink is held to the
	// uplink's MTU by the container's default route (vethOptions.routeMTU).
	// With the uplink's MTU (1400 on a VM) on the link instead, a TCP
	// segment of a download through a published port is a GSO packet of
	// 1360-byte segments, which the sender's TCP handles at about half the
	// host's loopback speed (issue #18; docs/network.md).
	LinkMTU = 65520
)

// DefaultSubnet is the default bridge network's subnet.
var DefaultSubnet = netip.MustParsePrefix("10.88.0.0/16")

// NetworkID is a stable 64-hex id derived from seed (the built-in
// networks' ids).
func NetworkID(seed string) string {
	sum := sha256.Sum256([]byte("skiff-network:" + seed))
	return hex.EncodeToString(sum[:])
}

// BridgeName is the bridge interface of a user-defined network.
func BridgeName(id string) string {
	return BridgePrefix + id[:10]
}

// hostIfName is the bridge-side veth of a container's interface: stable,
// so a leftover from a crash is found and replaced.
func hostIfName(containerID, networkID string) string {
	sum := sha256.Sum256([]byte(containerID + "/" + networkID))
	return "veth" + hex.EncodeToString(sum[:])[:11]
}

// MACFor is docker's classic MAC address for an IPv4 address:
// 02:42 followed by the address.
func MACFor(a netip.Addr) string {
	b := a.As4()
	return net.HardwareAddr{0x02, 0x42, b[0], b[1], b[2], b[3]}.String()
}

// FirstHost is the first usable address of p (the default gateway).
func FirstHost(p netip.Prefix) netip.Addr {
	return p.Masked().Addr().Next()
}

// ParseMAC checks a --mac-address value and returns it normalised.
func ParseMAC(s string) (string, error) {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return "", fmt.Errorf("invalid MAC address %q", s)
	}
	if hw[0]&1 == 1 {
		return "", fmt.Errorf("invalid MAC address %q: it is a multicast address", s)
	}
	return hw.String(), nil
}
