package container

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/network"
)

// NetworkConnectOptions are `network connect`'s flags.
type NetworkConnectOptions struct {
	Aliases []string
	IP      string
	// GwPriority is --gw-priority: the network with the highest (not
	// --internal) holds the default route.
	GwPriority int
}

// ConnectNetwork connects a container to a network: recorded for its
// next starts, and live when it runs (a new ethN interface).
func ConnectNetwork(e *engine.Engine, netRef, ctrRef string, o NetworkConnectOptions) error {
	return changeAttachment(e, netRef, ctrRef, "connect", func(c *Container, n *network.Network) error {
		nc := *c.netConfig()
		if err := checkConnect(c, &nc, n, &o); err != nil {
			return err
		}
		ec := &EndpointConfig{Name: n.Name, ID: n.ID, Aliases: o.Aliases, GwPriority: o.GwPriority}
		if o.IP != "" {
			a, err := netip.ParseAddr(o.IP)
			if err != nil || !a.Is4() {
				return errdefs.Invalid("invalid IPv4 address: %s", o.IP)
			}
			ec.IPv4Address = a.String()
		}
		nc.Networks = append(append([]*EndpointConfig{}, nc.Networks...), ec)
		if c.State.Running() {
			if err := c.attachLive(ec, &nc); err != nil {
				return err
			}
		}
		c.Network = &nc
		return c.saveRecord()
	})
}

// changeAttachment looks up the network and the container, runs fn on the
// container under its lock, and records the network event action.
func changeAttachment(e *engine.Engine, netRef, ctrRef, action string, fn func(*Container, *network.Network) error) error {
	n, err := network.Lookup(e, netRef)
	if err != nil {
		return err
	}
	target, err := Lookup(e, ctrRef)
	if err != nil {
		return err
	}
	if err := Locked(e, target.ID, func(c *Container) error { return fn(c, n) }); err != nil {
		return err
	}
	n.Event(e, action, "container", target.ID)
	return nil
}

// checkConnect applies docker's rules for network connect.
func checkConnect(c *Container, nc *NetworkConfig, n *network.Network, o *NetworkConnectOptions) error {
	switch {
	case n.Name == network.Host || nc.Mode == ModeHost:
		return errdefs.Invalid("container cannot be disconnected from host network or connected to host network")
	case n.Name == network.None || nc.Mode == ModeNone:
		return errdefs.Invalid("container cannot be connected to multiple networks with one of the networks in private (none) mode")
	case nc.Mode != ModeBridge:
		return errdefs.Invalid("container sharing network namespace with another container or host cannot be connected to any other network")
	case n.BuiltIn && len(o.Aliases) > 0:
		return errdefs.Invalid("network-scoped alias is supported only for containers in user defined networks")
	case o.IP != "" && !n.UserSubnet:
		return errdefs.Invalid("user specified IP address is supported only when connecting to networks with user configured subnets")
	}
	for _, ec := range nc.Networks {
		if ec.ID == n.ID {
			return errdefs.Conflict("endpoint with name %s already exists in network %s", c.Name, n.Name)
		}
	}
	return nil
}

// attachLive connects the running container's namespace to one more
// network (ec, already in nc). It takes the default route when the
// container has none, or when its gw-priority is higher than that of the
// network holding it.
func (c *Container) attachLive(ec *EndpointConfig, nc *NetworkConfig) error {
	rt := c.loadNetRuntime()
	if rt == nil || rt.Pin == "" {
		return errdefs.Conflict("container %s has no network namespace of its own to connect", c.Name)
	}
	req, err := c.attachRequest([]*EndpointConfig{ec})
	if err != nil {
		return err
	}
	na := &req.Networks[0]
	na.IfName = freeIfName(rt.Endpoints)
	holder := slices.IndexFunc(rt.Endpoints, func(ep *netns.Endpoint) bool { return ep.Route })
	na.Route = !na.Network.Internal && holder < 0
	h := network.Bridges(c.e)
	eps, err := h.Attach(req)
	if err != nil {
		return err
	}
	if !na.Network.Internal && holder >= 0 && len(eps) == 1 && ec.GwPriority > gwPriority(nc, rt.Endpoints[holder].NetworkID) {
		if err := h.SetDefaultRoute(eps[0], append(slices.Clone(rt.Endpoints), eps[0])); err != nil {
			h.Detach(eps) // all or nothing, as a failed attach
			return err
		}
	}
	rt.Endpoints = append(rt.Endpoints, eps...)
	for _, ep := range eps {
		rt.Addrs = append(rt.Addrs, ep.IP.String())
	}
	return c.saveNetRuntime(rt)
}

// gwPriority is the gw-priority the container gave the network.
func gwPriority(nc *NetworkConfig, networkID string) int {
	for _, ec := range nc.Networks {
		if ec.ID == networkID {
			return ec.GwPriority
		}
	}
	return 0
}

func freeIfName(eps []*netns.Endpoint) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("eth%d", i)
		if !slices.ContainsFunc(eps, func(ep *netns.Endpoint) bool { return ep.IfName == name }) {
			return name
		}
	}
}

// hasRoute reports whether one of the endpoints holds the default route.
func hasRoute(eps []*netns.Endpoint) bool {
	return slices.ContainsFunc(eps, func(ep *netns.Endpoint) bool { return ep.Route })
}

// DisconnectNetwork disconnects a container from a network.
func DisconnectNetwork(e *engine.Engine, netRef, ctrRef string, force bool) error {
	return changeAttachment(e, netRef, ctrRef, "disconnect", func(c *Container, n *network.Network) error {
		nc := *c.netConfig()
		if n.Name == network.Host || nc.Mode == ModeHost {
			return errdefs.Invalid("container cannot be disconnected from host network or connected to host network")
		}
		i := slices.IndexFunc(nc.Networks, func(ec *EndpointConfig) bool { return ec.ID == n.ID })
		if i < 0 {
			if force {
				return nil
			}
			return errdefs.Invalid("container %s is not connected to network %s", c.Name, n.Name)
		}
		nc.Networks = slices.Delete(slices.Clone(nc.Networks), i, i+1)
		var routeErr error
		if c.State.Running() {
			routeErr = c.detachLive(n.ID, &nc)
		}
		c.Network = &nc
		if err := c.saveRecord(); err != nil {
			return err
		}
		return routeErr
	})
}

// detachLive removes the running container's interface on a network;
// the default route, if it went with it, moves to a remaining network.
func (c *Container) detachLive(networkID string, nc *NetworkConfig) error {
	rt := c.loadNetRuntime()
	if rt == nil {
		return nil
	}
	var keep, gone []*netns.Endpoint
	for _, ep := range rt.Endpoints {
		if ep.NetworkID == networkID {
			gone = append(gone, ep)
		} else {
			keep = append(keep, ep)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	h := network.Bridges(c.e)
	h.Detach(gone)
	rt.Endpoints, rt.Addrs = keep, nil
	for _, ep := range keep {
		rt.Addrs = append(rt.Addrs, ep.IP.String())
	}
	var err error
	if hasRoute(gone) && !hasRoute(keep) {
		// docker: the default route moves to a remaining network
		if ep := c.routeCandidate(keep, nc); ep != nil {
			if err = h.SetDefaultRoute(ep, keep); err != nil {
				err = fmt.Errorf("container %s was disconnected but has no default route left: %w", c.Name, err)
			}
		}
	}
	_ = c.saveNetRuntime(rt)
	return err
}

// routeCandidate is the endpoint that takes over the default route, as
// docker picks it: of the networks that are not --internal, the one with
// the highest gw-priority, then the first by name; nil when none is left.
func (c *Container) routeCandidate(eps []*netns.Endpoint, nc *NetworkConfig) *netns.Endpoint {
	var best *netns.Endpoint
	for _, ep := range eps {
		n, err := network.Lookup(c.e, ep.NetworkID)
		if err != nil || n.Internal || !ep.Gateway.IsValid() {
			continue
		}
		if best == nil {
			best = ep
			continue
		}
		p, bp := gwPriority(nc, ep.NetworkID), gwPriority(nc, best.NetworkID)
		if p > bp || (p == bp && ep.NetworkName < best.NetworkName) {
			best = ep
		}
	}
	return best
}
