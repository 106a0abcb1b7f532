package network

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// CreateOptions are `network create`'s flags.
type CreateOptions struct {
	Name       string
	Driver     string // "" or bridge
	Subnet     string
	Gateway    string
	IPRange    string
	Internal   bool
	Attachable bool
	IPv6       bool
	Labels     map[string]string
	Options    map[string]string
	// IPAMDriver and Scope are docker's --ipam-driver ("default") and
	// --scope ("local"), the only ones skiff has; "" means those.
	IPAMDriver, Scope string
}

var validName = lazy.Regexp(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Create makes a user-defined bridge network and records its create
// event. Without --subnet it
// takes the next free 10.89.N.0/24 (podman's pool), free meaning used by
// no network of this installation, no other installation on this host or
// user, and no route of the namespace holding the bridges.
func Create(e *engine.Engine, o CreateOptions) (*Network, error) {
	if err := validateCreate(&o); err != nil {
		return nil, err
	}
	for _, b := range builtins(nil) {
		if b.Name == o.Name {
			return nil, errdefs.Conflict("network with name %s already exists", o.Name)
		}
	}
	if _, err := os.Stat(recordPath(e, o.Name)); err == nil {
		return nil, errdefs.Conflict("network with name %s already exists", o.Name)
	}
	n := &Network{
		Name: o.Name, ID: newID(), Created: time.Now().UTC(), Driver: "bridge",
		Internal: o.Internal, Attachable: o.Attachable, Labels: o.Labels, Options: o.Options,
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	if n.Options == nil {
		n.Options = map[string]string{}
	}
	release, err := assignSubnet(e, n, &o)
	if err != nil {
		return nil, err
	}
	fault.Point("network.create.subnet")
	if err := save(e, n); err != nil {
		release()
		return nil, err
	}
	n.Event(e, "create")
	return n, nil
}

func validateCreate(o *CreateOptions) error {
	if !validName().MatchString(o.Name) {
		return errdefs.Invalid("invalid network name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", o.Name)
	}
	switch o.Driver {
	case "", "bridge":
	case "host", "null", "none":
		return errdefs.Invalid("only one instance of %q network is allowed", o.Driver)
	default:
		return errdefs.NotFound("plugin %q not found: skiff supports the bridge driver only", o.Driver)
	}
	if d := o.IPAMDriver; d != "" && d != "default" {
		return errdefs.NotFound("plugin %q not found: skiff supports the default IPAM driver only", d)
	}
	if s := o.Scope; s != "" && s != "local" {
		return errdefs.Invalid("scope %q is not supported: skiff networks are local", s)
	}
	if o.IPv6 {
		return errdefs.Invalid("IPv6 networks are not supported yet: create the network without --ipv6")
	}
	for k := range o.Options {
		return errdefs.Invalid("network option %q is not supported", k)
	}
	if o.Subnet == "" && (o.Gateway != "" || o.IPRange != "") {
		return errdefs.Invalid("--gateway and --ip-range need --subnet")
	}
	return nil
}

// assignSubnet fills n's subnet, gateway and range and claims the subnet
// in the host's state; release undoes the claim.
func assignSubnet(e *engine.Engine, n *Network, o *CreateOptions) (func(), error) {
	h := Bridges(e)
	if o.Subnet != "" {
		subnet, gw, ipRange, err := parseAddrs(o)
		if err != nil {
			return nil, err
		}
		if err := checkOwnSubnets(e, subnet); err != nil {
			return nil, err
		}
		release, err := h.ClaimSubnet(subnet, recordPath(e, n.Name), false)
		if err != nil {
			return nil, err
		}
		n.Subnet, n.Gateway, n.UserSubnet = subnet.String(), gw.String(), true
		if ipRange.IsValid() {
			n.IPRange = ipRange.String()
		}
		return release, nil
	}
	for i := 0; i < 256*6; i++ {
		subnet := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(89 + i/256), byte(i % 256), 0}), 24)
		if checkOwnSubnets(e, subnet) != nil {
			continue
		}
		release, err := h.ClaimSubnet(subnet, recordPath(e, n.Name), true)
		if err != nil {
			continue
		}
		n.Subnet, n.Gateway = subnet.String(), netns.FirstHost(subnet).String()
		return release, nil
	}
	return nil, errdefs.Conflict("no free subnet left for a new network: remove unused networks (network prune) or give --subnet")
}

func parseAddrs(o *CreateOptions) (subnet netip.Prefix, gw netip.Addr, ipRange netip.Prefix, err error) {
	subnet, err = netip.ParsePrefix(o.Subnet)
	if err != nil || !subnet.Addr().Is4() {
		return subnet, gw, ipRange, errdefs.Invalid("invalid subnet %q: give an IPv4 CIDR such as 10.99.0.0/24", o.Subnet)
	}
	if subnet.Bits() > 30 {
		return subnet, gw, ipRange, errdefs.Invalid("subnet %s is too small: use a prefix of /30 or shorter", subnet)
	}
	subnet = subnet.Masked()
	gw = netns.FirstHost(subnet)
	if o.Gateway != "" {
		if gw, err = netip.ParseAddr(o.Gateway); err != nil || !subnet.Contains(gw) {
			return subnet, gw, ipRange, errdefs.Invalid("no matching subnet for gateway %s", o.Gateway)
		}
	}
	if o.IPRange != "" {
		ipRange, err = netip.ParsePrefix(o.IPRange)
		if err != nil || !subnet.Contains(ipRange.Addr()) || ipRange.Bits() < subnet.Bits() {
			return subnet, gw, ipRange, errdefs.Invalid("no matching subnet for range %s", o.IPRange)
		}
		ipRange = ipRange.Masked()
	}
	return subnet, gw, ipRange, nil
}

// checkOwnSubnets refuses a subnet overlapping one of this
// installation's networks.
func checkOwnSubnets(e *engine.Engine, p netip.Prefix) error {
	nets, err := all(e)
	if err != nil {
		return err
	}
	for _, n := range nets {
		if s, err := netip.ParsePrefix(n.Subnet); err == nil && s.Overlaps(p) {
			return errdefs.Conflict("invalid pool request: Pool overlaps with other one on this address space (network %s has %s)", n.Name, s)
		}
	}
	return nil
}

// RemoveOptions are `network rm`'s flags.
type RemoveOptions struct {
	Force bool // no error for a missing network
	// Users says which containers use which network (required).
	Users Users
	// Evict, when set, removes the containers that use the network
	// first (podman's network rm -f): runtime/container's RemoveAll.
	Evict func(ids []string) error
}

// Remove deletes a user-defined network no container uses and records
// its destroy event.
func Remove(e *engine.Engine, ref string, o RemoveOptions) error {
	n, err := Lookup(e, ref)
	if err != nil {
		if o.Force && errdefs.IsNotFound(err) {
			return nil
		}
		return err
	}
	if n.BuiltIn {
		return errdefs.Invalid("%s is a pre-defined network and cannot be removed", n.Name)
	}
	atts, err := attachments(o.Users)
	if err != nil {
		return err
	}
	if o.Evict != nil && len(usersOf(n, atts)) > 0 {
		if err := o.Evict(idsOf(n, atts)); err != nil {
			return err
		}
		if atts, err = attachments(o.Users); err != nil {
			return err
		}
	}
	if names := usersOf(n, atts); len(names) > 0 {
		return errdefs.InUse("error while removing network: network %s id %s has active endpoints (containers: %s): remove them or disconnect them first",
			n.Name, n.ID, strings.Join(names, ", "))
	}
	return remove(e, n)
}

func remove(e *engine.Engine, n *Network) error {
	if err := os.Remove(recordPath(e, n.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fault.Point("network.rm.record")
	Bridges(e).Sweep() // its bridge, if it lingers, goes now
	if s, err := netip.ParsePrefix(n.Subnet); err == nil {
		Bridges(e).ReleaseSubnet(s, recordPath(e, n.Name))
	}
	n.Event(e, "destroy")
	return nil
}

// PruneOptions are `network prune`'s flags.
type PruneOptions struct {
	Filters Filters // until=, label=, label!=
	// Users says which containers use which network (required).
	Users Users
}

// Prune removes the user-defined networks no container uses that pass
// the filters, and returns their names.
func Prune(e *engine.Engine, o PruneOptions) ([]string, error) {
	nets, err := all(e)
	if err != nil {
		return nil, err
	}
	atts, err := attachments(o.Users)
	if err != nil {
		return nil, err
	}
	var removed []string
	defer Bridges(e).Sweep() // what lingers after the last containers goes now
	for _, n := range nets {
		if n.BuiltIn || !o.Filters.Match(n, func() bool { return false }) || len(usersOf(n, atts)) > 0 {
			continue
		}
		if err := remove(e, n); err != nil {
			return removed, fmt.Errorf("removing network %s: %w", n.Name, err)
		}
		removed = append(removed, n.Name)
	}
	return removed, nil
}
