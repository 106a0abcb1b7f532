package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/flock"
)

// Host is where a user's bridges live: the host's network namespace for
// root, or one rootless network namespace per user, shared by every skiff
// process of the user and connected outward by one helper (pasta or
// slirp4netns). Every change happens under StateDir/lock.
//
// StateDir (RuntimeDir/net) holds:
//
//	lock               serialises attach, detach and repairs
//	ns                 the rootless network namespace (pin)
//	helper.json        its outward helper (HelperProc)
//	networks/ID.json   the networks whose bridge is up (Network)
//	ipam/ID/ADDRESS    allocations (Endpoint), see pool
//	dns/ID.json        the network's DNS responder (HelperProc)
//	subnets/           subnet claims of user-defined networks and the default one
//	default-subnet     the default bridge network's subnet (DefaultNetworkSubnet)
type Host struct {
	StateDir string
	Rootless bool
}

// NSPath is the namespace holding the bridges: "" (the caller's own, the
// host's) as root.
func (h *Host) NSPath() string {
	if h.Rootless {
		return filepath.Join(h.StateDir, "ns")
	}
	return ""
}

func (h *Host) lock() (func(), error) {
	if err := os.MkdirAll(h.StateDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(h.StateDir, "lock"), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(f, unix.LOCK_EX, "the networks' state"); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

func (h *Host) poolFor(n *Network) *pool {
	return &pool{dir: filepath.Join(h.StateDir, "ipam", n.ID), net: n}
}

// routeMTU is the MTU of a container's default route: the uplink's as
// root (traffic leaving the machine must fit it, and the kernel takes a
// TCP connection's MSS from the route), none rootless, where pasta's tap
// has LinkMTU and pasta meets the uplink itself.
func (h *Host) routeMTU() int {
	if h.Rootless {
		return 0
	}
	return defaultRouteMTU()
}

// NetworkAttach is one network of an AttachRequest.
type NetworkAttach struct {
	Network *Network
	IfName  string   // eth0, eth1, ...
	IP      string   // --ip, or "" for the next free address
	MAC     string   // --mac-address, or "" for one derived from the IP
	Names   []string // DNS names on this network
	Route   bool     // the default route goes through this network
}

// AttachRequest connects a container's pinned namespace to networks.
type AttachRequest struct {
	ContainerID   string
	ContainerName string
	StateDir      string
	Pin           string
	Upstreams     []string // the container's --dns
	Networks      []NetworkAttach
}

// Attach connects the container to each network: bridge, address, veth,
// routes, firewall, DNS responder; in the rootless namespace, which it
// brings up (with its helper) when needed. All or nothing.
func (h *Host) Attach(req *AttachRequest) (eps []*Endpoint, retErr error) {
	unlock, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if h.Rootless {
		if err := h.ensureNamespace(); err != nil {
			return nil, err
		}
	}
	if err := h.ensureKeeper(); err != nil {
		return nil, err
	}
	ctrFD, err := unix.Open(req.Pin, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening the container's network namespace: %w", err)
	}
	defer unix.Close(ctrFD)
	err = withHandle(h.NSPath(), func(hh *netlink.Handle) (err error) {
		defer func() {
			if err != nil {
				h.detachLocked(hh, eps)
				h.releaseLocked(eps)
				eps = nil
			}
		}()
		activated := false
		for i := range req.Networks {
			ep, fresh, err := h.attachOne(hh, ctrFD, req, &req.Networks[i])
			if err != nil {
				return err
			}
			eps = append(eps, ep)
			activated = activated || fresh
		}
		if activated {
			if err := h.refreshFirewall(); err != nil {
				return err
			}
		}
		for _, na := range req.Networks {
			if na.Network.DNS {
				if err := h.ensureDNS(na.Network); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return eps, err
}

func (h *Host) attachOne(hh *netlink.Handle, ctrFD int, req *AttachRequest, na *NetworkAttach) (*Endpoint, bool, error) {
	n := na.Network
	fresh, err := h.activate(hh, n)
	if err != nil {
		return nil, false, err
	}
	br, err := ensureBridge(hh, n, LinkMTU)
	if err != nil {
		return nil, false, err
	}
	ep := &Endpoint{
		ContainerID: req.ContainerID, ContainerName: req.ContainerName, NetworkID: n.ID, NetworkName: n.Name,
		EndpointID: randomHex(32), IfName: na.IfName, HostIfName: hostIfName(req.ContainerID, n.ID),
		DNSNames: na.Names, Upstreams: req.Upstreams, Pin: req.Pin, StateDir: req.StateDir, MAC: na.MAC,
		Route: na.Route,
	}
	var want netip.Addr
	if na.IP != "" {
		if want, err = netip.ParseAddr(na.IP); err != nil || !want.Is4() {
			return nil, false, fmt.Errorf("invalid IPv4 address %q", na.IP)
		}
	}
	if ep.MAC == "" {
		// derived from the address, known only once allocated: claim
		// with a placeholder, then fix the record
		ep.MAC = "pending"
	}
	p := h.poolFor(n)
	if err := p.allocate(ep, want); err != nil {
		return nil, false, err
	}
	if ep.MAC == "pending" {
		ep.MAC = MACFor(ep.IP)
		p.rewrite(ep)
	}
	if err := addVeth(hh, vethOptions{ep: ep, bridge: br, mtu: LinkMTU, routeMTU: h.routeMTU(), ctrFD: ctrFD, defaultRoute: na.Route}); err != nil {
		p.release(ep.IP, ep.ContainerID)
		return nil, false, err
	}
	return ep, fresh, nil
}

// activate records n as a network with a bridge up, after checking that a
// new bridge's subnet is free in the namespace; it reports whether n was
// not active before (the firewall needs its rules).
func (h *Host) activate(hh *netlink.Handle, n *Network) (bool, error) {
	path := filepath.Join(h.StateDir, "networks", n.ID+".json")
	if _, err := os.Stat(path); err == nil {
		return false, nil
	}
	if _, err := hh.LinkByName(n.Bridge); err != nil {
		overlap, err := routesOverlapIn(hh, n.Subnet, n.Bridge)
		if err != nil {
			return false, err
		}
		if overlap {
			return false, fmt.Errorf("subnet %s of network %s overlaps with a route or another network: remove the other network or choose another subnet", n.Subnet, n.Name)
		}
	}
	if !h.Rootless && !n.Internal {
		if err := h.enableForwarding(); err != nil {
			return false, err
		}
	}
	return true, writeJSONFile(path, n)
}

// Detach disconnects endpoints and frees their addresses. What is left
// without containers stays set up for Linger, then the keeper tears it
// down (Sweep does at once).
func (h *Host) Detach(eps []*Endpoint) {
	unlock, err := h.lock()
	if err != nil {
		return
	}
	defer unlock()
	_ = withHandle(h.NSPath(), func(hh *netlink.Handle) error {
		h.detachLocked(hh, eps)
		return nil
	})
	h.releaseLocked(eps)
	_ = h.ensureKeeper()
}

// releaseLocked frees the endpoints' addresses.
func (h *Host) releaseLocked(eps []*Endpoint) {
	for _, ep := range eps {
		if n, err := h.activeNetwork(ep.NetworkID); err == nil {
			h.poolFor(n).release(ep.IP, ep.ContainerID)
		}
	}
}

// Sweep frees allocations whose containers vanished and tears down at
// once what nothing uses any more: bridges, DNS responders, the rootless
// namespace and its helper.
func (h *Host) Sweep() {
	unlock, err := h.lock()
	if err != nil {
		return
	}
	defer unlock()
	if !h.Rootless {
		SweepDNAT()
	}
	h.sweepLocked(nil)
}

// sweepLocked tears down the unused networks (those in only, when not
// nil) and, with the last of them, the rootless namespace.
func (h *Host) sweepLocked(only map[string]bool) {
	err := withHandle(h.NSPath(), func(hh *netlink.Handle) error {
		h.sweep(hh, only)
		return nil
	})
	if err != nil {
		h.sweep(nil, only) // the namespace is gone: bookkeeping only
	}
}

// detachLocked removes the endpoints' veth pairs of containers that stay
// alive (network disconnect); when a container's namespace goes, the
// kernel removes the pair without anyone waiting for it.
func (h *Host) detachLocked(hh *netlink.Handle, eps []*Endpoint) {
	for _, ep := range eps {
		if IsPinned(ep.Pin) {
			delVeth(hh, ep)
		}
	}
}

func (h *Host) sweep(hh *netlink.Handle, only map[string]bool) {
	nets, _ := h.activeNetworks()
	var idle []*Network
	kept := 0
	for _, n := range nets {
		live, _ := h.poolFor(n).endpoints(true)
		if len(live) > 0 || (only != nil && !only[n.ID]) {
			kept++
		} else {
			idle = append(idle, n)
		}
	}
	if len(idle) == 0 {
		return
	}
	nsGoes := h.Rootless && kept == 0
	for _, n := range idle {
		if hh != nil && !nsGoes {
			deleteBridge(hh, n.Bridge) // the namespace takes its bridges along
		}
		h.stopDNS(n.ID)
		os.Remove(filepath.Join(h.StateDir, "networks", n.ID+".json"))
		os.RemoveAll(filepath.Join(h.StateDir, "ipam", n.ID))
	}
	switch {
	case nsGoes:
		h.stopNamespace()
	case hh != nil:
		_ = h.refreshFirewall()
	}
	if !h.Rootless && kept == 0 {
		h.restoreForwarding()
	}
}

// activeNetworks lists the networks whose bridge is up, by bridge name.
func (h *Host) activeNetworks() ([]*Network, error) {
	entries, err := os.ReadDir(filepath.Join(h.StateDir, "networks"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []*Network
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			if n, err := h.activeNetwork(id); err == nil {
				out = append(out, n)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bridge < out[j].Bridge })
	return out, nil
}

func (h *Host) activeNetwork(id string) (*Network, error) {
	var n Network
	if err := readJSONFile(filepath.Join(h.StateDir, "networks", id+".json"), &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// refreshFirewall rebuilds the rules; the caller runs in the namespace.
func (h *Host) refreshFirewall() error {
	nets, err := h.activeNetworks()
	if err != nil {
		return err
	}
	return applyFirewall(nets, h.Rootless)
}

// Endpoints lists the live endpoints of the network with id, wherever its
// containers come from (several --root may share a bridge).
func (h *Host) Endpoints(id string) ([]*Endpoint, error) {
	dir := filepath.Join(h.StateDir, "ipam", id)
	return listEndpoints(dir, func(_ string, ep *Endpoint) bool { return IsPinned(ep.Pin) })
}

func writeJSONFile(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Repair restarts what containers on nets rely on and is not running any
// more: the rootless namespace's outward helper and the networks' DNS
// responders (kill -9 of a helper). The containers keep running meanwhile.
func (h *Host) Repair(nets []*Network) error {
	unlock, err := h.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if h.Rootless {
		if !IsPinned(h.NSPath()) {
			return errors.New("the rootless network namespace is gone: restart the containers")
		}
		if err := h.ensureNamespace(); err != nil {
			return err
		}
	}
	for _, want := range nets {
		n, err := h.activeNetwork(want.ID)
		if err != nil || !n.DNS {
			continue
		}
		if live, _ := h.poolFor(n).endpoints(false); len(live) > 0 {
			if err := h.ensureDNS(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// NeedsRepair reports whether a process containers on nets rely on is
// not running: the rootless namespace's outward helper, a network's DNS
// responder.
func (h *Host) NeedsRepair(nets []*Network) bool {
	if h.Rootless && !h.helper().Alive() {
		return true
	}
	for _, n := range nets {
		var hp HelperProc
		if n.DNS && (readJSONFile(filepath.Join(h.StateDir, "dns", n.ID+".json"), &hp) != nil || !hp.Alive()) {
			return true
		}
	}
	return false
}

// StaleLeases lists the addresses still leased to containers that are
// gone (gone says which are), on networks whose bridge is up: what a
// container killed with its monitor leaves until the next Sweep. gone is
// given the container's ID and record directory (Endpoint.StateDir), so
// that an installation judges only its own containers.
func (h *Host) StaleLeases(gone func(containerID, stateDir string) bool) []string {
	unlock, err := h.lock()
	if err != nil {
		return nil
	}
	defer unlock()
	nets, _ := h.activeNetworks()
	var out []string
	for _, n := range nets {
		p := h.poolFor(n)
		eps, _ := listEndpoints(p.dir, func(_ string, ep *Endpoint) bool { return !p.alive(ep) && gone(ep.ContainerID, ep.StateDir) })
		for _, ep := range eps {
			id := ep.ContainerID
			if len(id) > 12 {
				id = id[:12]
			}
			out = append(out, fmt.Sprintf("network %s: address %s is leased to container %s, which is gone", n.Name, ep.IP, id))
		}
	}
	return out
}
