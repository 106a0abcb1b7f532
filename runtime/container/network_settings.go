package container

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/network"
)

// portMappings are the ports to publish at start: -p, and with -P every
// exposed port not published otherwise, on a random host port.
func (c *Container) portMappings() []netns.PortMapping {
	var out []netns.PortMapping
	keys := make([]string, 0, len(c.HostConfig.PortBindings))
	for k := range c.HostConfig.PortBindings {
		keys = append(keys, k)
	}
	sortPortKeys(keys)
	for _, k := range keys {
		port, proto, err := netns.ParsePortKey(k)
		if err != nil {
			continue
		}
		for _, b := range c.HostConfig.PortBindings[k] {
			m := netns.PortMapping{HostIP: b.HostIP, ContainerPort: port, Proto: proto}
			lo, hi, _ := strings.Cut(b.HostPort, "-")
			m.HostPort, _ = strconv.Atoi(lo)
			if hi != "" {
				m.HostPortEnd, _ = strconv.Atoi(hi)
			}
			out = append(out, m)
		}
	}
	if c.HostConfig.PublishAllPorts {
		var exposed []string
		for k := range c.Config.ExposedPorts {
			if _, ok := c.HostConfig.PortBindings[k]; !ok {
				exposed = append(exposed, k)
			}
		}
		sortPortKeys(exposed)
		for _, k := range exposed {
			if port, proto, err := netns.ParsePortKey(k); err == nil {
				out = append(out, netns.PortMapping{ContainerPort: port, Proto: proto})
			}
		}
	}
	return out
}

// sortPortKeys orders "PORT/PROTO" keys by port, then protocol.
func sortPortKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		pi, qi, _ := netns.ParsePortKey(keys[i])
		pj, qj, _ := netns.ParsePortKey(keys[j])
		if pi != pj {
			return pi < pj
		}
		return qi < qj
	})
}

// BoundPorts are the container's published ports as bound on the host,
// while it runs.
func (c *Container) BoundPorts() []netns.BoundPort {
	if !c.State.Running() {
		return nil
	}
	if rt := c.loadNetRuntime(); rt != nil {
		return rt.Ports
	}
	return nil
}

// PortsSummary is docker ps's PORTS column: published ports
// "0.0.0.0:8080->80/tcp, :::8080->80/tcp" and exposed ones "443/tcp",
// for a running container.
func (c *Container) PortsSummary() string {
	if !c.State.Running() {
		return ""
	}
	var exposed []string
	for k := range c.Config.ExposedPorts {
		exposed = append(exposed, k)
	}
	sortPortKeys(exposed)
	return netns.FormatPorts(c.BoundPorts(), exposed)
}

// PortLines answers `port CONTAINER [PRIVATE_PORT[/PROTO]]` with docker's
// lines: "80/tcp -> 0.0.0.0:8080", or only "0.0.0.0:8080" for one port.
func PortLines(e *engine.Engine, ref, private string) ([]string, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	bound := c.BoundPorts()
	if private == "" {
		var out []string
		for _, b := range bound {
			out = append(out, fmt.Sprintf("%s -> %s", netns.PortKey(b.ContainerPort, b.Proto), hostAddr(b)))
		}
		return out, nil
	}
	port, proto, err := netns.ParsePortKey(private)
	if err != nil {
		return nil, errdefs.Invalid("%v", err)
	}
	var out []string
	for _, b := range bound {
		if b.ContainerPort == port && b.Proto == proto {
			out = append(out, hostAddr(b))
		}
	}
	if len(out) == 0 {
		return nil, errdefs.NotFound("No public port '%s' published for %s", netns.PortKey(port, proto), c.Name)
	}
	return out, nil
}

func hostAddr(b netns.BoundPort) string {
	if strings.Contains(b.HostIP, ":") {
		return fmt.Sprintf("[%s]:%d", b.HostIP, b.HostPort)
	}
	return fmt.Sprintf("%s:%d", b.HostIP, b.HostPort)
}

// networkSettings describes the container's networks for inspect: the
// configured ones always, with addresses and ports while it runs.
func (c *Container) networkSettings() NetworkSettings {
	ns := NetworkSettings{Ports: map[string][]PortBinding{}, Networks: map[string]*EndpointSettings{}}
	nc := c.netConfig()
	var rt *netRuntime
	if c.State.Running() {
		rt = c.loadNetRuntime()
	}
	if rt != nil {
		ns.SandboxID, ns.SandboxKey = c.ID, rt.Pin
		c.fillPorts(&ns, rt)
	}
	switch nc.Mode {
	case ModeBridge:
	case ModeContainer:
		return ns
	default:
		ns.Networks[nc.Mode] = &EndpointSettings{NetworkID: networkIDOf(c.e, nc.Mode)}
		return ns
	}
	for _, ec := range nc.Networks {
		es := &EndpointSettings{NetworkID: ec.ID, Aliases: ec.Aliases, MacAddress: ec.MacAddress, GwPriority: ec.GwPriority}
		if ec.IPv4Address != "" {
			es.IPAMConfig = map[string]string{"IPv4Address": ec.IPv4Address}
		}
		if rt != nil {
			for _, ep := range rt.Endpoints {
				if ep.NetworkID == ec.ID {
					es.EndpointID, es.Gateway, es.IPAddress = ep.EndpointID, ep.Gateway.String(), ep.IP.String()
					es.IPPrefixLen, es.MacAddress, es.DNSNames = ep.PrefixLen, ep.MAC, ep.DNSNames
				}
			}
		}
		ns.Networks[ec.Name] = es
		if ec.ID == netns.NetworkID(network.Bridge) {
			ns.EndpointID, ns.Gateway, ns.IPAddress = es.EndpointID, es.Gateway, es.IPAddress
			ns.IPPrefixLen, ns.MacAddress = es.IPPrefixLen, es.MacAddress
		}
	}
	return ns
}

// fillPorts lists exposed ports (null) and published ones (bindings).
func (c *Container) fillPorts(ns *NetworkSettings, rt *netRuntime) {
	for k := range c.Config.ExposedPorts {
		ns.Ports[k] = nil
	}
	for _, b := range rt.Ports {
		k := netns.PortKey(b.ContainerPort, b.Proto)
		ns.Ports[k] = append(ns.Ports[k], PortBinding{HostIP: b.HostIP, HostPort: strconv.Itoa(b.HostPort)})
	}
}

func networkIDOf(e *engine.Engine, name string) string {
	if n, err := network.Lookup(e, name); err == nil {
		return n.ID
	}
	return ""
}

// NetworkNames are the networks the container is configured with (ps's
// NETWORKS): the bridge networks' names, or its mode (host, none, ...).
func (c *Container) NetworkNames() []string {
	nc := c.netConfig()
	if nc.Mode != ModeBridge {
		return []string{c.HostConfig.NetworkMode}
	}
	var out []string
	for _, ec := range nc.Networks {
		out = append(out, ec.Name)
	}
	return out
}

// onNetwork reports whether the container is on one of nets (names or
// IDs): ps --filter network=.
func (c *Container) onNetwork(nets []string) bool {
	for _, want := range nets {
		if want == c.HostConfig.NetworkMode {
			return true
		}
		for _, ec := range c.netConfig().Networks {
			if want == ec.Name || want == ec.ID || (len(want) >= 12 && strings.HasPrefix(ec.ID, want)) {
				return true
			}
		}
	}
	return false
}
