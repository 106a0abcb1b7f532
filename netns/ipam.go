package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Endpoint is a container's attachment to a network: its address there,
// its names for the network's DNS responder, and the namespace that keeps
// the allocation alive. It is stored as the address's allocation file, so
// the responder and `network inspect` read the same records the allocator
// writes.
type Endpoint struct {
	ContainerID   string
	ContainerName string
	NetworkID     string
	NetworkName   string
	EndpointID    string
	// IfName is the interface inside the container (eth0, eth1, ...),
	// HostIfName its veth peer on the bridge.
	IfName     string
	HostIfName string `json:",omitempty"`
	IP         netip.Addr
	PrefixLen  int
	Gateway    netip.Addr
	MAC        string
	// Route is set on the endpoint holding the default route.
	Route bool `json:",omitempty"`
	// DNSNames are answered by the network's DNS responder: the
	// container's name, short ID and aliases.
	DNSNames []string `json:",omitempty"`
	// Upstreams are the container's --dns servers: the responder forwards
	// the container's other queries there instead of the host's.
	Upstreams []string `json:",omitempty"`
	// Pin is the container's pinned network namespace: the allocation is
	// stale once it is no longer a namespace mount.
	Pin string
	// StateDir is the container's record directory; it tells the
	// installations (--root) sharing a bridge apart.
	StateDir string `json:",omitempty"`
}

// pool allocates a network's addresses: one file per address under dir,
// named by the address and holding the Endpoint, created atomically. The
// caller holds the host's lock; readers need none.
type pool struct {
	dir string
	net *Network
	// live tells a current allocation from one whose container vanished
	// without releasing it (kill -9, reboot); nil means IsPinned(ep.Pin).
	live func(*Endpoint) bool
}

const lastFile = "last"

func (p *pool) alive(ep *Endpoint) bool {
	if p.live != nil {
		return p.live(ep)
	}
	return IsPinned(ep.Pin)
}

// usable reports whether a is an address containers may get.
func (p *pool) usable(a netip.Addr) bool {
	n := p.net
	if !n.Subnet.Contains(a) || a == n.Gateway || a == n.Subnet.Masked().Addr() || a == broadcast(n.Subnet) {
		return false
	}
	return !n.IPRange.IsValid() || n.IPRange.Contains(a)
}

// allocate gives ep an address: want when valid, else the next free one
// after the last allocated (round robin, like docker and host-local).
func (p *pool) allocate(ep *Endpoint, want netip.Addr) error {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	if want.IsValid() {
		if !p.usable(want) {
			return errdefs.Invalid("no configured subnet or ip-range contain the IP address %s", want)
		}
		ok, err := p.claim(want, ep)
		if err != nil {
			return err
		}
		if !ok {
			return errdefs.Conflict("Address already in use: %s is taken on network %s", want, p.net.Name)
		}
		return nil
	}
	r := p.net.IPRange
	if !r.IsValid() {
		r = p.net.Subnet
	}
	r = r.Masked()
	start := r.Addr()
	if b, err := os.ReadFile(filepath.Join(p.dir, lastFile)); err == nil {
		if last, err := netip.ParseAddr(strings.TrimSpace(string(b))); err == nil && r.Contains(last) {
			start = last.Next()
		}
	}
	size := uint64(1) << (32 - r.Bits())
	a := start
	for i := uint64(0); i < size; i++ {
		if !r.Contains(a) {
			a = r.Addr()
		}
		if p.usable(a) {
			ok, err := p.claim(a, ep)
			if err != nil {
				return err
			}
			if ok {
				_ = os.WriteFile(filepath.Join(p.dir, lastFile), []byte(a.String()+"\n"), 0o600)
				return nil
			}
		}
		a = a.Next()
	}
	return errdefs.Conflict("no free address left on network %s (%s): remove containers or use a larger subnet", p.net.Name, r)
}

// claim creates the allocation file for a, replacing a stale one; it
// reports false when a is in use.
func (p *pool) claim(a netip.Addr, ep *Endpoint) (bool, error) {
	ep.IP = a
	ep.PrefixLen = p.net.Subnet.Bits()
	ep.Gateway = p.net.Gateway
	b, err := json.Marshal(ep)
	if err != nil {
		return false, err
	}
	path := filepath.Join(p.dir, a.String())
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return false, err
	}
	defer os.Remove(tmp)
	for try := 0; try < 2; try++ {
		err := os.Link(tmp, path)
		if err == nil {
			return true, nil
		}
		if !os.IsExist(err) {
			return false, err
		}
		old, rerr := readEndpoint(path)
		if rerr == nil && p.alive(old) {
			return false, nil
		}
		os.Remove(path) // stale: its container is gone
	}
	return false, nil
}

// rewrite replaces the allocation file of ep (same address, new facts).
func (p *pool) rewrite(ep *Endpoint) {
	_ = writeJSONFile(filepath.Join(p.dir, ep.IP.String()), ep)
}

// release frees a's allocation if it still belongs to containerID.
func (p *pool) release(a netip.Addr, containerID string) {
	path := filepath.Join(p.dir, a.String())
	if ep, err := readEndpoint(path); err == nil && ep.ContainerID != containerID {
		return
	}
	os.Remove(path)
}

// changed is when an address was last allocated or released (the
// directory's modification time), or zero.
func (p *pool) changed() time.Time {
	fi, err := os.Stat(p.dir)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// endpoints lists the live allocations; stale ones are removed when
// prune is set (the caller holds the lock).
func (p *pool) endpoints(prune bool) ([]*Endpoint, error) {
	return listEndpoints(p.dir, func(path string, ep *Endpoint) bool {
		if p.alive(ep) {
			return true
		}
		if prune {
			os.Remove(path)
		}
		return false
	})
}

// listEndpoints reads the allocation files of dir that keep passes.
func listEndpoints(dir string, keep func(string, *Endpoint) bool) ([]*Endpoint, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []*Endpoint
	for _, e := range entries {
		name := e.Name()
		if name == lastFile || strings.HasSuffix(name, ".tmp") {
			continue
		}
		path := filepath.Join(dir, name)
		ep, err := readEndpoint(path)
		if err != nil {
			continue
		}
		if keep == nil || keep(path, ep) {
			out = append(out, ep)
		}
	}
	return out, nil
}

func readEndpoint(path string) (*Endpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ep Endpoint
	if err := json.Unmarshal(b, &ep); err != nil {
		return nil, err
	}
	return &ep, nil
}

// broadcast is the last address of p.
func broadcast(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	bits := p.Bits()
	for i := 0; i < 4; i++ {
		for b := 0; b < 8; b++ {
			if i*8+b >= bits {
				a[i] |= 0x80 >> b
			}
		}
	}
	return netip.AddrFrom4(a)
}
