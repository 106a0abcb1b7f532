package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/network"
)

// netRuntime is a started container's network: RunDir/network.json,
// written at start and removed when the network is released.
type netRuntime struct {
	Mode string
	// Pin is the container's own pinned network namespace ("" for none,
	// host and container:).
	Pin       string            `json:",omitempty"`
	Endpoints []*netns.Endpoint `json:",omitempty"`
	Ports     []netns.BoundPort `json:",omitempty"`
	// DNAT is set when the kernel publishes the IPv4 ports (root, a
	// container on a bridge network): the forwarder only reserves them.
	DNAT   bool              `json:",omitempty"`
	Helper *netns.HelperProc `json:",omitempty"` // --network pasta|slirp4netns
	// Deferred is set while a container with a user namespace of its own
	// (keep-id) waits for its network: its init creates the namespace,
	// which skiff pins and connects once the init runs (networkStarted).
	Deferred bool   `json:",omitempty"`
	Joined   string `json:",omitempty"` // container: the ID joined
	// Addrs are the container's IPv4 addresses; HostGateway is what
	// --add-host NAME:host-gateway resolves to.
	Addrs       []string `json:",omitempty"`
	HostGateway string   `json:",omitempty"`
}

func (c *Container) netRuntimePath() string { return filepath.Join(c.RunDir(), "network.json") }
func (c *Container) pinPath() string        { return filepath.Join(c.RunDir(), "netns") }

// loadNetRuntime reads the started container's network, or nil.
func (c *Container) loadNetRuntime() *netRuntime {
	if c.e == nil {
		return nil // a record without an installation (tests)
	}
	var rt netRuntime
	if readJSON(c.netRuntimePath(), &rt) != nil {
		return nil
	}
	return &rt
}

// prepareNetwork gives the container its network before its init starts:
// its own namespace, created and pinned here and named by path in the
// spec, connected to its bridge networks or its private helper; the
// published ports bound (so a taken port fails the start here). It leaves
// nothing behind when it fails.
func (c *Container) prepareNetwork(s *specs.Spec) (retErr error) {
	c.releaseNetwork() // what a crashed run left behind
	nc := c.netConfig()
	if nc.Mode == ModeBridge && len(nc.Networks) == 0 {
		nc = &NetworkConfig{Mode: ModeNone} // disconnected from every network
	}
	rt := &netRuntime{Mode: nc.Mode}
	switch nc.Mode {
	case ModeHost:
		setNetNS(s, "", false)
		rt.HostGateway = "127.0.0.1"
		return c.saveNetRuntime(rt)
	case ModeNone:
		return c.saveNetRuntime(rt)
	case ModeContainer:
		return c.joinContainerNetwork(s, nc, rt)
	}
	if err := os.MkdirAll(c.RunDir(), 0o700); err != nil {
		return err
	}
	rt.Pin = c.pinPath()
	if c.HostConfig.UsernsMode == "keep-id" {
		// A namespace owned by skiff's user namespace cannot be joined
		// from the container's own: the init makes it, skiff connects it.
		rt.Deferred = true
		var err error
		if rt.Ports, c.ports, err = netns.Bind(c.portMappings(), false); err != nil {
			return err
		}
		return c.saveNetRuntime(rt)
	}
	if err := netns.Create(rt.Pin); err != nil {
		return err
	}
	defer func() {
		if retErr != nil {
			c.closePorts()
			c.releaseNetRuntime(rt)
		}
	}()
	setNetNS(s, rt.Pin, true)
	if err := c.connect(nc, rt); err != nil {
		return err
	}
	// As root, the kernel forwards to a bridge network's address (DNAT),
	// as Docker does without its userland proxy: no copy in between.
	rt.DNAT = !c.e.Rootless() && nc.Mode == ModeBridge && len(rt.Endpoints) > 0
	var err error
	if rt.Ports, c.ports, err = netns.Bind(c.portMappings(), rt.DNAT); err != nil {
		return err
	}
	return c.saveNetRuntime(rt)
}

// connect attaches the pinned namespace to the bridge networks, or starts
// its private helper.
func (c *Container) connect(nc *NetworkConfig, rt *netRuntime) error {
	switch nc.Mode {
	case ModeBridge:
		req, err := c.attachRequest(nc.Networks)
		if err != nil {
			return err
		}
		h := network.Bridges(c.e)
		if rt.Endpoints, err = h.Attach(req); err != nil {
			return err
		}
		for _, ep := range rt.Endpoints {
			rt.Addrs = append(rt.Addrs, ep.IP.String())
		}
		if len(rt.Endpoints) > 0 {
			rt.HostGateway = rt.Endpoints[0].Gateway.String()
		}
	case netns.Pasta, netns.Slirp4netns:
		hp, err := netns.StartHelper(nc.Mode, rt.Pin, nc.HelperOptions)
		if err != nil {
			return err
		}
		rt.Helper = hp
		rt.Addrs, rt.HostGateway = netns.Addresses(rt.Pin)
	default:
		return errdefs.Invalid("unknown network mode %q", nc.Mode)
	}
	return nil
}

// attachRequest describes the container's bridge networks for netns.
func (c *Container) attachRequest(eps []*EndpointConfig) (*netns.AttachRequest, error) {
	req := &netns.AttachRequest{
		ContainerID: c.ID, ContainerName: c.Name, StateDir: c.Dir(), Pin: c.pinPath(), Upstreams: c.HostConfig.DNS,
	}
	route := -1 // the network holding the default route
	for i, ec := range eps {
		n, err := network.Lookup(c.e, ec.ID)
		if err != nil {
			if errdefs.IsNotFound(err) {
				return nil, errdefs.NotFound("network %s not found: it was removed; disconnect the container from it (network disconnect %s %s)", ec.Name, ec.Name, c.Name)
			}
			return nil, err
		}
		na := netns.NetworkAttach{
			Network: n.Netns(), IfName: fmt.Sprintf("eth%d", i), IP: ec.IPv4Address, MAC: ec.MacAddress,
		}
		if !n.BuiltIn {
			na.Names = append([]string{c.Name, c.ShortID()}, ec.Aliases...)
		}
		if !n.Internal && (route < 0 || ec.GwPriority > eps[route].GwPriority) {
			route = i // the highest gw-priority, the first given on a tie
		}
		req.Networks = append(req.Networks, na)
	}
	if route >= 0 {
		req.Networks[route].Route = true
	}
	return req, nil
}

// joinContainerNetwork puts the container into another running
// container's network namespace (--network container:NAME).
func (c *Container) joinContainerNetwork(s *specs.Spec, nc *NetworkConfig, rt *netRuntime) error {
	target, err := load(c.e, nc.Container)
	if err != nil {
		return errdefs.NotFound("joining the network of container %s: no such container", nc.Container)
	}
	if !target.State.Running() || target.State.Pid == 0 {
		return errdefs.Conflict("cannot join network of a non running container: %s", target.Name)
	}
	setNetNS(s, fmt.Sprintf("/proc/%d/ns/net", target.State.Pid), false)
	rt.Joined = target.ID
	if trt := target.loadNetRuntime(); trt != nil {
		rt.Addrs, rt.HostGateway = trt.Addrs, trt.HostGateway
	}
	return c.saveNetRuntime(rt)
}

// setNetNS points the spec's network namespace at path ("" with keep
// false drops it: the host's). Network sysctls are dropped unless the
// namespace is the container's own.
func setNetNS(s *specs.Spec, path string, own bool) {
	var nss []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != specs.NetworkNamespace {
			nss = append(nss, ns)
		}
	}
	if path != "" {
		nss = append(nss, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: path})
	}
	s.Linux.Namespaces = nss
	if own {
		return
	}
	for k := range s.Linux.Sysctl {
		if strings.HasPrefix(k, "net.") {
			delete(s.Linux.Sysctl, k)
		}
	}
}

// target is the address the port forwarder connects to inside the
// namespace: the primary network's, else loopback.
func (rt *netRuntime) target() string {
	if len(rt.Endpoints) > 0 {
		return rt.Endpoints[0].IP.String()
	}
	return "127.0.0.1"
}

func (c *Container) saveNetRuntime(rt *netRuntime) error {
	if err := os.MkdirAll(c.RunDir(), 0o700); err != nil {
		return err
	}
	return writeJSON(c.netRuntimePath(), rt)
}

// releaseNetwork frees what prepareNetwork took: the port forwarder, the
// private helper, the bridge endpoints and their addresses, the pinned
// namespace. It also cleans up after a CLI or monitor killed halfway.
func (c *Container) releaseNetwork() {
	rt := c.loadNetRuntime()
	if rt == nil && !netns.IsPinned(c.pinPath()) {
		return
	}
	os.Remove(c.netRuntimePath())
	c.stopForwarder()
	if rt != nil && rt.DNAT {
		// the rules are gone: UDP flows translated to the address the
		// container is giving up must not outlive them
		netns.FlushUDPConntrack(rt.Ports)
	}
	if rt == nil {
		// Killed before the record was written: the pin alone tells.
		netns.Remove(c.pinPath())
		network.Bridges(c.e).Sweep()
		return
	}
	c.releaseNetRuntime(rt)
}

func (c *Container) releaseNetRuntime(rt *netRuntime) {
	if rt.Helper != nil {
		rt.Helper.Signal()
	}
	// The pin goes first: the kernel then removes the container's veth
	// pairs when the namespace ends, without Detach waiting for it.
	if rt.Pin != "" {
		netns.Remove(rt.Pin)
	}
	if len(rt.Endpoints) > 0 {
		network.Bridges(c.e).Detach(rt.Endpoints)
	}
}
