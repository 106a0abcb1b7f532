package netns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// withHandle runs fn with a netlink handle on the network namespace at
// path ("" is the caller's own), on a thread inside it: netlink's own
// namespace switching cannot return to the host's namespace rootless.
func withHandle(path string, fn func(h *netlink.Handle) error) error {
	return Do(path, func() error {
		h, err := netlink.NewHandle()
		if err != nil {
			return err
		}
		defer h.Close()
		return fn(h)
	})
}

func ipNet(a netip.Addr, bits int) *net.IPNet {
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(bits, 32)}
}

// ensureBridge creates n's bridge with the gateway address, unless it
// exists, and brings it up.
func ensureBridge(h *netlink.Handle, n *Network, mtu int) (netlink.Link, error) {
	br, err := h.LinkByName(n.Bridge)
	if err != nil {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.MTU = n.Bridge, mtu
		if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("creating bridge %s: %w", n.Bridge, err)
		}
		if br, err = h.LinkByName(n.Bridge); err != nil {
			return nil, fmt.Errorf("finding bridge %s: %w", n.Bridge, err)
		}
	}
	addr := &netlink.Addr{IPNet: ipNet(n.Gateway, n.Subnet.Bits())}
	if err := h.AddrAdd(br, addr); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("adding %s to bridge %s: %w", n.Gateway, n.Bridge, err)
	}
	if err := h.LinkSetUp(br); err != nil {
		return nil, fmt.Errorf("bringing up bridge %s: %w", n.Bridge, err)
	}
	return br, nil
}

// deleteBridge removes a bridge; a missing one is no error.
func deleteBridge(h *netlink.Handle, name string) {
	if l, err := h.LinkByName(name); err == nil {
		_ = h.LinkDel(l)
	}
}

// vethOptions describe one container interface.
type vethOptions struct {
	ep           *Endpoint
	bridge       netlink.Link
	mtu          int
	routeMTU     int // the default route's MTU, 0 for the link's
	ctrFD        int // the container's network namespace
	defaultRoute bool
}

// addVeth creates the veth pair: the host side on the bridge, the other
// end in the container with its address, MAC and routes.
func addVeth(h *netlink.Handle, o vethOptions) error {
	ep := o.ep
	if old, err := h.LinkByName(ep.HostIfName); err == nil {
		_ = h.LinkDel(old) // left by a crash
	}
	mac, err := net.ParseMAC(ep.MAC)
	if err != nil {
		return fmt.Errorf("invalid MAC address %q", ep.MAC)
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name, attrs.MTU, attrs.MasterIndex = ep.HostIfName, o.mtu, o.bridge.Attrs().Index
	veth := &netlink.Veth{
		LinkAttrs: attrs, PeerName: ep.IfName, PeerNamespace: netlink.NsFd(o.ctrFD),
		PeerMTU: uint32(o.mtu), PeerHardwareAddr: mac,
	}
	if err := h.LinkAdd(veth); err != nil {
		return fmt.Errorf("creating veth pair %s: %w", ep.HostIfName, err)
	}
	if err := setupPeer(o); err != nil {
		if l, lerr := h.LinkByName(ep.HostIfName); lerr == nil {
			_ = h.LinkDel(l)
		}
		return err
	}
	host, err := h.LinkByName(ep.HostIfName)
	if err == nil {
		err = h.LinkSetUp(host)
	}
	if err != nil {
		return fmt.Errorf("bringing up %s: %w", ep.HostIfName, err)
	}
	return nil
}

// setupPeer configures the container's end of a veth pair.
func setupPeer(o vethOptions) error {
	ch, err := netlink.NewHandleAt(vnetns.NsHandle(o.ctrFD))
	if err != nil {
		return err
	}
	defer ch.Close()
	ep := o.ep
	l, err := ch.LinkByName(ep.IfName)
	if err != nil {
		return fmt.Errorf("finding %s in the container: %w", ep.IfName, err)
	}
	if err := ch.AddrAdd(l, &netlink.Addr{IPNet: ipNet(ep.IP, ep.PrefixLen)}); err != nil {
		return fmt.Errorf("adding %s to %s: %w", ep.IP, ep.IfName, err)
	}
	if err := ch.LinkSetUp(l); err != nil {
		return fmt.Errorf("bringing up %s: %w", ep.IfName, err)
	}
	if o.defaultRoute {
		r := &netlink.Route{LinkIndex: l.Attrs().Index, Gw: net.IP(ep.Gateway.AsSlice()), MTU: o.routeMTU}
		if err := ch.RouteAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("adding the default route via %s: %w", ep.Gateway, err)
		}
	}
	return nil
}

// delVeth removes a container's interface from the bridge side (both ends
// go); one already gone is no error.
func delVeth(h *netlink.Handle, ep *Endpoint) {
	if ep.HostIfName == "" {
		return
	}
	if l, err := h.LinkByName(ep.HostIfName); err == nil {
		_ = h.LinkDel(l)
	}
}

// routesOverlap reports whether p overlaps a route or address in the
// namespace at path (other than on the bridge named skip).
func routesOverlap(path string, p netip.Prefix, skip string) (overlap bool, err error) {
	err = withHandle(path, func(h *netlink.Handle) error {
		overlap, err = routesOverlapIn(h, p, skip)
		return err
	})
	return overlap, err
}

func routesOverlapIn(h *netlink.Handle, p netip.Prefix, skip string) (bool, error) {
	routes, err := h.RouteList(nil, unix.AF_INET)
	if err != nil {
		return false, err
	}
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		if skip != "" {
			if l, err := h.LinkByIndex(r.LinkIndex); err == nil && l.Attrs().Name == skip {
				continue
			}
		}
		ones, _ := r.Dst.Mask.Size()
		a, ok := netip.AddrFromSlice(r.Dst.IP.To4())
		if ok && ones > 0 && netip.PrefixFrom(a, ones).Overlaps(p) {
			return true, nil
		}
	}
	return false, nil
}

// defaultRouteMTU is the MTU of the interface holding the default route
// in the caller's namespace (at most 1500), or 1500.
func defaultRouteMTU() int {
	h, err := netlink.NewHandle()
	if err != nil {
		return 1500
	}
	defer h.Close()
	routes, err := h.RouteList(nil, unix.AF_INET)
	if err != nil {
		return 1500
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() {
			if l, err := h.LinkByIndex(r.LinkIndex); err == nil && l.Attrs().MTU > 0 {
				return min(l.Attrs().MTU, 1500)
			}
		}
	}
	return 1500
}

// Addresses reads the IPv4 addresses and the default gateway of the
// network namespace at path (one a helper configured).
func Addresses(path string) (addrs []string, gateway string) {
	_ = withHandle(path, func(h *netlink.Handle) error {
		addrs, gateway = addressesIn(h)
		return nil
	})
	return addrs, gateway
}

func addressesIn(h *netlink.Handle) (addrs []string, gateway string) {
	list, _ := h.AddrList(nil, unix.AF_INET)
	for _, a := range list {
		if a.IP != nil && !a.IP.IsLoopback() {
			addrs = append(addrs, a.IP.String())
		}
	}
	routes, _ := h.RouteList(nil, unix.AF_INET)
	for _, r := range routes {
		if (r.Dst == nil || r.Dst.IP.IsUnspecified()) && r.Gw != nil {
			gateway = r.Gw.String()
			break
		}
	}
	return addrs, gateway
}

// SetDefaultRoute moves the container's default route to ep: through
// ep's gateway on ep's interface, in the container's pinned namespace,
// replacing whatever default it had; the allocations of ep and of the
// container's other endpoints (all) record which holds it. The caller
// picks ep (docker's order: gw-priority, then name).
func (h *Host) SetDefaultRoute(ep *Endpoint, all []*Endpoint) error {
	err := withHandle(ep.Pin, func(ch *netlink.Handle) error {
		l, err := ch.LinkByName(ep.IfName)
		if err != nil {
			return fmt.Errorf("finding %s in the container: %w", ep.IfName, err)
		}
		r := &netlink.Route{LinkIndex: l.Attrs().Index, Gw: net.IP(ep.Gateway.AsSlice())}
		if err := ch.RouteReplace(r); err != nil {
			return fmt.Errorf("moving the default route to %s via %s: %w", ep.IfName, ep.Gateway, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	unlock, err := h.lock()
	if err != nil {
		return err
	}
	defer unlock()
	record := func(e *Endpoint, route bool) {
		e.Route = route
		if n, err := h.activeNetwork(e.NetworkID); err == nil {
			h.poolFor(n).rewrite(e)
		}
	}
	for _, other := range all {
		if other != ep && other.Route {
			record(other, false)
		}
	}
	record(ep, true)
	return nil
}
