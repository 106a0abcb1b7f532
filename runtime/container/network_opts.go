package container

import (
	"cmp"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/network"
)

// NetworkOptions are run's and create's network flags (issue #5). The
// command layer fills them; Create resolves them into the record.
type NetworkOptions struct {
	Networks   []string // --network, repeatable
	Aliases    []string // --network-alias
	IP         string   // --ip
	MacAddress string   // --mac-address
	Publish    []string // -p
	PublishAll bool     // -P
	Expose     []string // --expose
	DNS        []string // --dns
	DNSSearch  []string // --dns-search
	DNSOptions []string // --dns-option
	AddHosts   []string // --add-host
	// Endpoints are the per-network options of --network's long form
	// (name=NET,alias=...,ip=...), by the network as given.
	Endpoints map[string]EndpointOptions
	// Warnings receives docker's warnings (ports dropped with --network
	// host); nil discards them.
	Warnings io.Writer
}

// EndpointOptions are one network's own settings (--network's long form):
// compose gives each network of a service its aliases and address.
type EndpointOptions struct {
	Aliases    []string
	IP         string
	MacAddress string
	GwPriority int
}

// Network modes of NetworkConfig.Mode.
const (
	ModeBridge    = "bridge" // the default or user-defined bridge networks
	ModeNone      = "none"
	ModeHost      = "host"
	ModeContainer = "container"
)

// NetworkConfig is how a container connects, kept in its record and
// changed by network connect and disconnect.
type NetworkConfig struct {
	Mode string
	// HelperOptions are the OPTS of --network pasta:OPTS or
	// slirp4netns:OPTS.
	HelperOptions []string `json:",omitempty"`
	// Container is the ID whose namespace --network container: joins.
	Container string `json:",omitempty"`
	// Networks are the bridge networks, the first one the primary.
	Networks []*EndpointConfig `json:",omitempty"`
}

// EndpointConfig is one network a container is connected to.
type EndpointConfig struct {
	Name        string
	ID          string
	Aliases     []string `json:",omitempty"`
	IPv4Address string   `json:",omitempty"` // --ip
	MacAddress  string   `json:",omitempty"` // --mac-address
	// GwPriority is docker's gw-priority: of the networks that are not
	// --internal, the one with the highest holds the default route.
	GwPriority int `json:",omitempty"`
}

// netConfig is the container's network configuration; records written
// before networking existed fall back to HostConfig.NetworkMode.
func (c *Container) netConfig() *NetworkConfig {
	if c.Network != nil {
		return c.Network
	}
	switch c.HostConfig.NetworkMode {
	case ModeHost, ModeNone:
		return &NetworkConfig{Mode: c.HostConfig.NetworkMode}
	}
	return &NetworkConfig{Mode: ModeBridge, Networks: []*EndpointConfig{{Name: network.Bridge, ID: netns.NetworkID(network.Bridge)}}}
}

// NetworkUsers answers, for runtime/network, which containers use which
// network: every container's configured bridge networks (running or
// not, as docker counts them), and host or none for a container in that
// mode. One call reads every container record once.
func NetworkUsers(e *engine.Engine) network.Users {
	return func() ([]network.Attachment, error) {
		cs, err := List(e)
		if err != nil {
			return nil, err
		}
		var out []network.Attachment
		for _, c := range cs {
			a := network.Attachment{ContainerID: c.ID, ContainerName: c.Name, Running: c.State.Running()}
			nc := c.netConfig()
			switch nc.Mode {
			case ModeHost, ModeNone:
				a.NetworkID, a.NetworkName = netns.NetworkID(nc.Mode), nc.Mode
				out = append(out, a)
			}
			for _, ec := range nc.Networks {
				a.NetworkID, a.NetworkName = ec.ID, ec.Name
				out = append(out, a)
			}
		}
		return out, nil
	}
}

// netPlan is what Create writes into the record.
type netPlan struct {
	cfg NetworkConfig
	// given are the --network values of cfg.Networks, in their order.
	given    []string
	mode     string // HostConfig.NetworkMode
	bindings map[string][]PortBinding
	exposed  []string
	extra    []string
}

// resolveNetwork checks the network flags against each other and the
// installation and turns them into the record's facts.
func resolveNetwork(e *engine.Engine, o *CreateOptions) (*netPlan, error) {
	nets := o.Networks
	if len(nets) == 0 && o.NetworkMode != "" {
		nets = []string{o.NetworkMode}
	}
	if len(nets) == 0 {
		nets = []string{network.Bridge}
	}
	p := &netPlan{}
	if err := p.resolveModes(e, nets); err != nil {
		return nil, err
	}
	if err := p.checkFlags(o); err != nil {
		return nil, err
	}
	if err := p.resolvePorts(o); err != nil {
		return nil, err
	}
	for k := range o.Spec.Sysctls {
		switch {
		case !strings.HasPrefix(k, "net."):
		case p.mode == ModeHost:
			return nil, errdefs.Invalid("sysctl %q not allowed in host network namespace", k)
		case strings.HasPrefix(p.mode, ModeContainer+":"):
			return nil, errdefs.Invalid("sysctl %q not allowed when sharing the network namespace of another container", k)
		}
	}
	o.NetworkMode = p.mode // what the rest of create reads (host: the host's name)
	return p, nil
}

// resolveModes turns --network values into the mode and networks.
func (p *netPlan) resolveModes(e *engine.Engine, nets []string) error {
	special := ""
	for _, v := range nets {
		kind, arg, _ := strings.Cut(v, ":")
		switch {
		case v == "" || v == "default":
			kind = network.Bridge
		case kind == ModeNone || kind == ModeHost || kind == ModeContainer || kind == netns.Pasta || kind == netns.Slirp4netns:
			if len(nets) > 1 {
				return errdefs.Invalid("conflicting options: cannot attach both user-defined and non-user-defined network-modes")
			}
			special = kind
			if err := p.resolveSpecial(e, kind, arg, v); err != nil {
				return err
			}
			continue
		}
		n, err := network.Lookup(e, v)
		if err != nil {
			return err
		}
		if !n.IsBridge() {
			p.cfg.Mode, p.mode = n.Name, n.Name
			if len(nets) > 1 {
				return errdefs.Invalid("conflicting options: cannot attach both user-defined and non-user-defined network-modes")
			}
			special = n.Name
			continue
		}
		if slices.ContainsFunc(p.cfg.Networks, func(ec *EndpointConfig) bool { return ec.ID == n.ID }) {
			return errdefs.Invalid("network %s is given twice", n.Name)
		}
		p.cfg.Networks = append(p.cfg.Networks, &EndpointConfig{Name: n.Name, ID: n.ID})
		p.given = append(p.given, v)
	}
	if special == "" {
		p.cfg.Mode = ModeBridge
		p.mode = p.cfg.Networks[0].Name
	}
	return nil
}

func (p *netPlan) resolveSpecial(e *engine.Engine, kind, arg, v string) error {
	p.cfg.Mode, p.mode = kind, kind
	switch kind {
	case ModeContainer:
		if arg == "" {
			return errdefs.Invalid("invalid network mode %q: use container:NAME", v)
		}
		target, err := Lookup(e, arg)
		if err != nil {
			return err
		}
		p.cfg.Container = target.ID
		p.mode = "container:" + target.ID
	case netns.Pasta, netns.Slirp4netns:
		if arg != "" {
			p.cfg.HelperOptions = strings.Split(arg, ",")
		}
	default:
		if arg != "" {
			return errdefs.Invalid("invalid network mode %q", v)
		}
	}
	return nil
}

// checkFlags applies docker's rules on which flags go with which mode.
func (p *netPlan) checkFlags(o *CreateOptions) error {
	userNets := 0
	for _, ec := range p.cfg.Networks {
		if ec.ID != netns.NetworkID(network.Bridge) {
			userNets++
		}
	}
	mode := p.cfg.Mode
	switch {
	case mode == ModeContainer && len(o.Publish)+len(o.Expose) > 0 || mode == ModeContainer && o.PublishAll:
		return errdefs.Invalid("conflicting options: port publishing and the container type network mode")
	case mode == ModeContainer && len(o.DNS)+len(o.DNSSearch)+len(o.DNSOptions) > 0:
		return errdefs.Invalid("conflicting options: dns and the network mode")
	case mode == ModeContainer && len(o.AddHosts) > 0:
		return errdefs.Invalid("conflicting options: custom host-to-IP mapping and the network mode")
	case mode == ModeContainer && o.Spec.Hostname != "":
		return errdefs.Invalid("conflicting options: hostname and the network mode")
	case mode != ModeBridge && o.MacAddress != "":
		return errdefs.Invalid("conflicting options: mac-address and the network mode")
	case len(o.Aliases) > 0 && userNets == 0:
		return errdefs.Invalid("network-scoped alias is supported only for containers in user defined networks")
	case o.IP != "" && userNets == 0:
		return errdefs.Invalid("user specified IP address is supported on user defined networks only")
	}
	if mode == ModeHost && (len(o.Publish) > 0 || o.PublishAll) && o.Warnings != nil {
		fmt.Fprintln(o.Warnings, "WARNING: Published ports are discarded when using host network mode")
	}
	for i, ec := range p.cfg.Networks {
		user := ec.ID != netns.NetworkID(network.Bridge)
		if user {
			ec.Aliases = o.Aliases
		}
		ip, mac := "", ""
		if i == 0 {
			ip, mac = o.IP, o.MacAddress
		}
		if eo, ok := o.Endpoints[p.given[i]]; ok {
			if !user && (len(eo.Aliases) > 0 || eo.IP != "") {
				return errdefs.Invalid("network-scoped aliases and addresses are supported only for containers in user defined networks")
			}
			ec.Aliases = append(slices.Clone(ec.Aliases), eo.Aliases...)
			ip, mac = cmp.Or(eo.IP, ip), cmp.Or(eo.MacAddress, mac)
			ec.GwPriority = eo.GwPriority
		}
		if err := ec.setAddresses(ip, mac); err != nil {
			return err
		}
	}
	return nil
}

// setAddresses checks and sets the endpoint's --ip and --mac-address.
func (ec *EndpointConfig) setAddresses(ip, mac string) error {
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is4() {
			return errdefs.Invalid("invalid IPv4 address: %s", ip)
		}
		ec.IPv4Address = a.String()
	}
	if mac != "" {
		m, err := netns.ParseMAC(mac)
		if err != nil {
			return errdefs.Invalid("%v", err)
		}
		ec.MacAddress = m
	}
	return nil
}

// resolvePorts parses -p and --expose.
func (p *netPlan) resolvePorts(o *CreateOptions) error {
	p.bindings = map[string][]PortBinding{}
	for _, spec := range o.Publish {
		ms, err := netns.ParsePublish(spec)
		if err != nil {
			return errdefs.Invalid("%v", err)
		}
		for _, m := range ms {
			p.bindings[m.Key()] = append(p.bindings[m.Key()], PortBinding{HostIP: m.HostIP, HostPort: m.HostPortString()})
			p.exposed = append(p.exposed, m.Key())
		}
	}
	for _, spec := range o.Expose {
		keys, err := netns.ParseExpose(spec)
		if err != nil {
			return errdefs.Invalid("%v", err)
		}
		p.exposed = append(p.exposed, keys...)
	}
	return nil
}

// apply writes the plan into a new container's record.
func (p *netPlan) apply(r *Record, o *CreateOptions) {
	cfg := p.cfg
	r.Network = &cfg
	r.HostConfig.NetworkMode = p.mode
	if len(p.bindings) > 0 && p.cfg.Mode != ModeHost {
		r.HostConfig.PortBindings = p.bindings
	}
	r.HostConfig.PublishAllPorts = o.PublishAll
	r.HostConfig.DNS, r.HostConfig.DNSSearch, r.HostConfig.DNSOptions = o.DNS, o.DNSSearch, o.DNSOptions
	r.HostConfig.ExtraHosts = o.AddHosts
	if len(p.exposed) > 0 {
		ports := map[string]struct{}{}
		for k := range r.Config.ExposedPorts {
			ports[k] = struct{}{}
		}
		for _, k := range p.exposed {
			ports[k] = struct{}{}
		}
		r.Config.ExposedPorts = ports
	}
}

// ParseAddHost splits an --add-host value, host:ip or host=ip; ip may be
// "host-gateway".
func ParseAddHost(s string) (string, string, error) {
	host, ip, ok := strings.Cut(s, "=")
	if !ok {
		host, ip, ok = strings.Cut(s, ":")
	}
	if !ok || host == "" || ip == "" {
		return "", "", errdefs.Invalid("invalid argument %q for \"--add-host\" flag: bad format for add-host: %q", s, s)
	}
	ip = strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")
	if ip != HostGateway && net.ParseIP(ip) == nil {
		return "", "", errdefs.Invalid("invalid argument %q for \"--add-host\" flag: invalid IP address in add-host: %q", s, ip)
	}
	return host, ip, nil
}

// HostGateway is --add-host's special address: the host as the container
// sees it.
const HostGateway = "host-gateway"
