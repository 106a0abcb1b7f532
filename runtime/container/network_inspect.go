package container

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/runtime/engine"
)

// NetworkInspect is docker's `network inspect` object.
type NetworkInspect struct {
	Name       string
	ID         string `json:"Id"`
	Created    time.Time
	Scope      string
	Driver     string
	EnableIPv6 bool
	IPAM       NetworkIPAM
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigFrom struct{ Network string }
	ConfigOnly bool
	Containers map[string]NetworkContainer
	Options    map[string]string
	Labels     map[string]string
}

// NetworkIPAM is a network's address management.
type NetworkIPAM struct {
	Driver  string
	Options map[string]string
	Config  []IPAMPool
}

// IPAMPool is one subnet of a network.
type IPAMPool struct {
	Subnet  string
	IPRange string `json:",omitempty"`
	Gateway string `json:",omitempty"`
}

// NetworkContainer is a container on a network, as inspect lists it.
type NetworkContainer struct {
	Name        string
	EndpointID  string
	MacAddress  string
	IPv4Address string
	IPv6Address string
}

// InspectNetwork describes a network with the running containers of this
// installation on it.
func InspectNetwork(e *engine.Engine, n *NetworkRecord) (*NetworkInspect, error) {
	out := &NetworkInspect{
		Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
		Internal: n.Internal, Attachable: n.Attachable, Containers: map[string]NetworkContainer{},
		Options: n.Options, Labels: n.Labels,
		IPAM: NetworkIPAM{Driver: "default", Options: map[string]string{}},
	}
	if n.Subnet != "" {
		out.IPAM.Config = []IPAMPool{{Subnet: n.Subnet, IPRange: n.IPRange, Gateway: n.Gateway}}
	} else {
		out.IPAM.Config = []IPAMPool{}
	}
	if !n.IsBridge() {
		return out, addModeContainers(e, n, out)
	}
	eps, err := netHost(e).Endpoints(n.ID)
	if err != nil {
		return nil, err
	}
	mine := containersDir(e)
	for _, ep := range eps {
		if filepath.Dir(ep.StateDir) != mine {
			continue // another installation's container on the shared bridge
		}
		out.Containers[ep.ContainerID] = NetworkContainer{
			Name: ep.ContainerName, EndpointID: ep.EndpointID, MacAddress: ep.MAC,
			IPv4Address: fmt.Sprintf("%s/%d", ep.IP, ep.PrefixLen),
		}
	}
	return out, nil
}

// addModeContainers lists the running containers of the host or none
// network.
func addModeContainers(e *engine.Engine, n *NetworkRecord, out *NetworkInspect) error {
	all, err := List(e)
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.State.Running() && c.netConfig().Mode == n.Name {
			out.Containers[c.ID] = NetworkContainer{Name: c.Name}
		}
	}
	return nil
}

// NetworkRow is one line of `network ls`; its fields are docker's
// --format keys.
type NetworkRow struct {
	ID        string
	Name      string
	Driver    string
	Scope     string
	IPv6      string
	Internal  string
	Labels    string
	CreatedAt string
	labels    map[string]string
}

// Label is docker's {{.Label "key"}}.
func (r NetworkRow) Label(key string) string { return r.labels[key] }

// Row turns a network into its `network ls` line.
func (n *NetworkRecord) Row(noTrunc bool) NetworkRow {
	id := n.ID
	if !noTrunc && len(id) > 12 {
		id = id[:12]
	}
	var labels []string
	for k, v := range n.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	return NetworkRow{
		ID: id, Name: n.Name, Driver: n.Driver, Scope: "local", IPv6: "false",
		Internal: fmt.Sprint(n.Internal), Labels: strings.Join(labels, ","),
		CreatedAt: n.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST"), labels: n.Labels,
	}
}

// NetworkRows lists the networks passing filters (network ls --filter),
// by name.
func NetworkRows(e *engine.Engine, filters []string, noTrunc bool) ([]NetworkRow, error) {
	f, err := ParseNetworkFilters(filters, NetworkListFilterKeys)
	if err != nil {
		return nil, err
	}
	all, err := ListNetworks(e)
	if err != nil {
		return nil, err
	}
	var rows []NetworkRow
	for _, n := range all {
		used := func() bool {
			users, _ := networkUsers(e, n)
			return len(users) > 0
		}
		if f.Match(n, used) {
			rows = append(rows, n.Row(noTrunc))
		}
	}
	return rows, nil
}
