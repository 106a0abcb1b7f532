package network

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/runtime/engine"
)

// InspectReport is docker's `network inspect` object.
type InspectReport struct {
	Name       string
	ID         string `json:"Id"`
	Created    time.Time
	Scope      string
	Driver     string
	EnableIPv6 bool
	IPAM       IPAM
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigFrom struct{ Network string }
	ConfigOnly bool
	Containers map[string]EndpointResource
	Options    map[string]string
	Labels     map[string]string
}

// IPAM is a network's address management.
type IPAM struct {
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

// EndpointResource is a container on a network, as inspect lists it
// (docker's name).
type EndpointResource struct {
	Name        string
	EndpointID  string
	MacAddress  string
	IPv4Address string
	IPv6Address string
}

// InspectOptions are `network inspect`'s.
type InspectOptions struct {
	// Users says which containers use which network (required).
	Users Users
}

// Inspect describes a network with the running containers of this
// installation on it.
func Inspect(e *engine.Engine, ref string, o InspectOptions) (*InspectReport, error) {
	n, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	atts, err := attachments(o.Users)
	if err != nil {
		return nil, err
	}
	out := &InspectReport{
		Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
		Internal: n.Internal, Attachable: n.Attachable, Containers: map[string]EndpointResource{},
		Options: n.Options, Labels: n.Labels,
		IPAM: IPAM{Driver: "default", Options: map[string]string{}},
	}
	if n.Subnet != "" {
		out.IPAM.Config = []IPAMPool{{Subnet: n.Subnet, IPRange: n.IPRange, Gateway: n.Gateway}}
	} else {
		out.IPAM.Config = []IPAMPool{}
	}
	mine := map[string]bool{}
	for _, a := range atts {
		switch {
		case !n.attaches(a):
		case n.IsBridge():
			mine[a.ContainerID] = true
		case a.Running:
			// host and none: the running containers in that mode
			out.Containers[a.ContainerID] = EndpointResource{Name: a.ContainerName}
		}
	}
	if !n.IsBridge() {
		return out, nil
	}
	eps, err := Bridges(e).Endpoints(n.ID)
	if err != nil {
		return nil, err
	}
	for _, ep := range eps {
		if !mine[ep.ContainerID] {
			continue // another installation's container on the shared bridge
		}
		out.Containers[ep.ContainerID] = EndpointResource{
			Name: ep.ContainerName, EndpointID: ep.EndpointID, MacAddress: ep.MAC,
			IPv4Address: fmt.Sprintf("%s/%d", ep.IP, ep.PrefixLen),
		}
	}
	return out, nil
}

// Row is one line of `network ls`; its fields are docker's --format
// keys.
type Row struct {
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
func (r Row) Label(key string) string { return r.labels[key] }

// Row turns a network into its `network ls` line.
func (n *Network) Row(noTrunc bool) Row {
	id := n.ID
	if !noTrunc && len(id) > 12 {
		id = id[:12]
	}
	var labels []string
	for k, v := range n.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	return Row{
		ID: id, Name: n.Name, Driver: n.Driver, Scope: "local", IPv6: "false",
		Internal: fmt.Sprint(n.Internal), Labels: strings.Join(labels, ","),
		CreatedAt: n.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST"), labels: n.Labels,
	}
}

// ListOptions are `network ls`'s.
type ListOptions struct {
	Filters Filters
	// Users says which containers use which network; needed only for
	// the dangling= filter.
	Users Users
}

// List returns the networks passing the filters (network ls --filter),
// by name.
func List(e *engine.Engine, o ListOptions) ([]*Network, error) {
	nets, err := all(e)
	if err != nil {
		return nil, err
	}
	var atts []Attachment
	asked := false
	var askErr error
	var out []*Network
	for _, n := range nets {
		used := func() bool {
			if !asked {
				atts, askErr = attachments(o.Users)
				asked = true
			}
			return len(usersOf(n, atts)) > 0
		}
		if o.Filters.Match(n, used) {
			out = append(out, n)
		}
	}
	return out, askErr
}
