package container

import (
	"crypto/rand"
	"encoding/hex"
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

// NetworkRecord is a network as skiff keeps it: user-defined ones in
// <root>/skiff/networks/NAME.json; bridge, host and none are built in.
type NetworkRecord struct {
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
	NetworkBridge = netns.DefaultNetworkName
	NetworkHost   = "host"
	NetworkNone   = "none"
)

var builtinCreated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// builtinNetworks are docker's three predefined networks.
func builtinNetworks() []*NetworkRecord {
	return []*NetworkRecord{
		{
			Name: NetworkBridge, ID: netns.NetworkID(NetworkBridge), Driver: "bridge", Created: builtinCreated,
			Subnet: netns.DefaultSubnet.String(), Gateway: netns.FirstHost(netns.DefaultSubnet).String(),
			Labels: map[string]string{}, BuiltIn: true,
			Options: map[string]string{
				"com.docker.network.bridge.default_bridge":       "true",
				"com.docker.network.bridge.enable_icc":           "true",
				"com.docker.network.bridge.enable_ip_masquerade": "true",
				"com.docker.network.bridge.host_binding_ipv4":    "0.0.0.0",
				"com.docker.network.bridge.name":                 netns.DefaultBridge,
			},
		},
		{Name: NetworkHost, ID: netns.NetworkID(NetworkHost), Driver: "host", Created: builtinCreated, Labels: map[string]string{}, Options: map[string]string{}, BuiltIn: true},
		{Name: NetworkNone, ID: netns.NetworkID(NetworkNone), Driver: "null", Created: builtinCreated, Labels: map[string]string{}, Options: map[string]string{}, BuiltIn: true},
	}
}

// Network is what netns needs of a bridge network.
func (n *NetworkRecord) Network() *netns.Network {
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
func (n *NetworkRecord) IsBridge() bool { return n.Driver == "bridge" }

// netHost is where this installation's bridges live.
func netHost(e *engine.Engine) *netns.Host {
	return &netns.Host{StateDir: filepath.Join(rootless.RuntimeDir(), "net"), Rootless: e.Rootless()}
}

func networksDir(e *engine.Engine) string { return e.StateDir("networks") }

func networkPath(e *engine.Engine, name string) string {
	return filepath.Join(networksDir(e), name+".json")
}

// LookupNetwork finds a network by name, full ID or unique ID prefix.
func LookupNetwork(e *engine.Engine, ref string) (*NetworkRecord, error) {
	if ref == "" {
		return nil, errdefs.Invalid("network name or ID must not be empty")
	}
	all, err := ListNetworks(e)
	if err != nil {
		return nil, err
	}
	for _, n := range all {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
	}
	var match *NetworkRecord
	for _, n := range all {
		if strings.HasPrefix(n.ID, ref) {
			if match != nil {
				return nil, errdefs.Invalid("network %s is ambiguous: use more characters of the ID or the name", ref)
			}
			match = n
		}
	}
	if match == nil {
		return nil, errdefs.NotFound("network %s not found", ref)
	}
	return match, nil
}

// ListNetworks returns the built-in networks and the user-defined ones,
// by name.
func ListNetworks(e *engine.Engine) ([]*NetworkRecord, error) {
	out := builtinNetworks()
	entries, err := os.ReadDir(networksDir(e))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, ent := range entries {
		if !strings.HasSuffix(ent.Name(), ".json") {
			continue
		}
		var n NetworkRecord
		if err := readJSON(filepath.Join(networksDir(e), ent.Name()), &n); err != nil {
			continue
		}
		out = append(out, &n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func newNetworkID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// saveNetwork writes a new network record; exactly one of two concurrent
// creates of a name wins.
func saveNetwork(e *engine.Engine, n *NetworkRecord) error {
	if err := os.MkdirAll(networksDir(e), 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(networksDir(e), fmt.Sprintf(".%s.%d.tmp", n.Name, os.Getpid()))
	if err := writeJSON(tmp, n); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, networkPath(e, n.Name)); err != nil {
		if os.IsExist(err) {
			return errdefs.Conflict("network with name %s already exists", n.Name)
		}
		return err
	}
	return nil
}

// networkUsers are the containers of this installation configured with
// the network (running or not).
func networkUsers(e *engine.Engine, n *NetworkRecord) ([]*Container, error) {
	all, err := List(e)
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, c := range all {
		for _, ec := range c.netConfig().Networks {
			if ec.ID == n.ID || (ec.ID == "" && ec.Name == n.Name) {
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}
