// Package network owns skiff's networks as records: the built-in bridge,
// host and none, and the user-defined bridge networks kept in
// <root>/skiff/networks/NAME.json; creating, listing, inspecting,
// filtering, removing and pruning them, with their events. The bridges
// themselves, addresses and DNS are netns's (Bridges returns the host
// that holds them).
//
// It knows containers only through a callback: which containers use
// which network (Users, provided by runtime/container's NetworkUsers),
// asked once per operation. What belongs to one container's life on a
// network (connect, disconnect, its endpoints and settings) is
// runtime/container's. It must not import commands or runtime/container.
package network

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Network is a network as skiff keeps it: user-defined ones in
// <root>/skiff/networks/NAME.json; bridge, host and none are built in.
type Network struct {
	Name    string
	ID      string
	Created time.Time
	Driver  string // bridge, host or null
	Subnet  string `json:",omitempty"`
	Gateway string `json:",omitempty"`
	IPRange string `json:",omitempty"`
	// UserSubnet is set when --subnet was given: only then may a
	// container ask for an address (--ip), as in docker.
	UserSubnet bool `json:",omitempty"`
	Internal   bool `json:",omitempty"`
	Attachable bool `json:",omitempty"`
	Labels     map[string]string
	Options    map[string]string
	// BuiltIn marks bridge, host and none.
	BuiltIn bool `json:"-"`
}

// Names of the built-in networks.
const (
	Bridge = netns.DefaultNetworkName
	Host   = "host"
	None   = "none"
)

var builtinCreated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// builtins are docker's three predefined networks; with e, the default
// bridge network on the subnet chosen for this host (10.88.0.0/16 unless
// taken, netns.Host.DefaultNetworkSubnet), without only their names.
func builtins(e *engine.Engine) []*Network {
	subnet := netns.DefaultSubnet
	if e != nil {
		if p, err := Bridges(e).DefaultNetworkSubnet(); err == nil {
			subnet = p
		}
	}
	return []*Network{
		{
			Name: Bridge, ID: netns.NetworkID(Bridge), Driver: "bridge", Created: builtinCreated,
			Subnet: subnet.String(), Gateway: netns.FirstHost(subnet).String(),
			Labels: map[string]string{}, BuiltIn: true,
			Options: map[string]string{
				"com.docker.network.bridge.default_bridge":       "true",
				"com.docker.network.bridge.enable_icc":           "true",
				"com.docker.network.bridge.enable_ip_masquerade": "true",
				"com.docker.network.bridge.host_binding_ipv4":    "0.0.0.0",
				"com.docker.network.bridge.name":                 netns.DefaultBridge,
			},
		},
		{Name: Host, ID: netns.NetworkID(Host), Driver: "host", Created: builtinCreated, Labels: map[string]string{}, Options: map[string]string{}, BuiltIn: true},
		{Name: None, ID: netns.NetworkID(None), Driver: "null", Created: builtinCreated, Labels: map[string]string{}, Options: map[string]string{}, BuiltIn: true},
	}
}

// Netns is what netns needs of a bridge network.
func (n *Network) Netns() *netns.Network {
	subnet, _ := netip.ParsePrefix(n.Subnet)
	gw, _ := netip.ParseAddr(n.Gateway)
	var ipRange netip.Prefix
	if n.IPRange != "" {
		ipRange, _ = netip.ParsePrefix(n.IPRange)
	}
	bridge := netns.DefaultBridge
	if !n.BuiltIn {
		bridge = netns.BridgeName(n.ID)
	}
	return &netns.Network{
		Name: n.Name, ID: n.ID, Bridge: bridge, Subnet: subnet, Gateway: gw, IPRange: ipRange,
		Internal: n.Internal, DNS: !n.BuiltIn,
	}
}

// IsBridge reports whether containers get an address on this network.
func (n *Network) IsBridge() bool { return n.Driver == "bridge" }

// Bridges is the netns host that holds this installation's bridges.
func Bridges(e *engine.Engine) *netns.Host {
	return &netns.Host{StateDir: filepath.Join(rootless.RuntimeDir(), "net"), Rootless: e.Rootless()}
}

func recordsDir(e *engine.Engine) string { return e.StateDir("networks") }

func recordPath(e *engine.Engine, name string) string {
	return filepath.Join(recordsDir(e), name+".json")
}

// Lookup finds a network by name, full ID or unique ID prefix.
func Lookup(e *engine.Engine, ref string) (*Network, error) {
	if ref == "" {
		return nil, errdefs.Invalid("network name or ID must not be empty")
	}
	all, err := all(e)
	if err != nil {
		return nil, err
	}
	for _, n := range all {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
	}
	var match *Network
	for _, n := range all {
		if strings.HasPrefix(n.ID, ref) {
			if match != nil {
				return nil, errdefs.Invalid("network %s is ambiguous: use more characters of the ID or the name", ref)
			}
			match = n
		}
	}
	if match == nil {
		return nil, errdefs.NoSuchNetwork(ref)
	}
	return match, nil
}

// all returns the built-in networks and the user-defined ones, by name.
func all(e *engine.Engine) ([]*Network, error) {
	out := builtins(e)
	entries, err := os.ReadDir(recordsDir(e))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, ent := range entries {
		if !strings.HasSuffix(ent.Name(), ".json") {
			continue
		}
		var n Network
		if err := readRecord(filepath.Join(recordsDir(e), ent.Name()), &n); err != nil {
			continue
		}
		out = append(out, &n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// readRecord reads one network record.
func readRecord(path string, n *Network) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, n); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

func newID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// save writes a new network record; exactly one of two concurrent
// creates of a name wins.
func save(e *engine.Engine, n *Network) error {
	if err := os.MkdirAll(recordsDir(e), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	tmp := filepath.Join(recordsDir(e), fmt.Sprintf(".%s.%d.tmp", n.Name, os.Getpid()))
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, recordPath(e, n.Name)); err != nil {
		if os.IsExist(err) {
			return errdefs.Conflict("network with name %s already exists", n.Name)
		}
		return err
	}
	return nil
}

// Attachment is a container's tie to a network, as runtime/container
// reports it: a bridge network it is configured with (running or not), or
// the host or none network it runs in.
type Attachment struct {
	ContainerID, ContainerName string
	Running                    bool
	// NetworkID is the network's ID; records that name a network without
	// it have only NetworkName.
	NetworkID, NetworkName string
}

// Users lists the attachments of every container of the installation.
// runtime/container provides it (container.NetworkUsers); verbs that need
// to know who uses a network ask it once.
type Users func() ([]Attachment, error)

// attaches reports whether a is a tie to n.
func (n *Network) attaches(a Attachment) bool {
	return a.NetworkID == n.ID || (a.NetworkID == "" && a.NetworkName == n.Name)
}

// usersOf are the names of the containers attached to n.
func usersOf(n *Network, atts []Attachment) []string {
	return attached(n, atts, func(a Attachment) string { return a.ContainerName })
}

// idsOf are the IDs of the containers attached to n.
func idsOf(n *Network, atts []Attachment) []string {
	return attached(n, atts, func(a Attachment) string { return a.ContainerID })
}

func attached(n *Network, atts []Attachment, field func(Attachment) string) []string {
	var out []string
	for _, a := range atts {
		if n.attaches(a) {
			out = append(out, field(a))
		}
	}
	return out
}

// attachments asks users, which a verb needing it must have.
func attachments(users Users) ([]Attachment, error) {
	if users == nil {
		return nil, errors.New("network: no Users given: the caller says which containers use networks (container.NetworkUsers)")
	}
	return users()
}
