package netns

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// ClaimSubnet reserves p for a network whose record is the file owner, so
// that installations sharing this host's (or user's) bridges never pick
// the same subnet. A claim lasts while its owner file exists. With
// checkRoutes, a subnet overlapping a route of the host or of the bridges'
// namespace is refused too (automatic choice).
func (h *Host) ClaimSubnet(p netip.Prefix, owner string, checkRoutes bool) (func(), error) {
	unlock, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := h.claimLocked(p, owner, checkRoutes, ""); err != nil {
		return nil, err
	}
	return func() { h.ReleaseSubnet(p, owner) }, nil
}

// claimLocked is ClaimSubnet under the lock; with checkRoutes, the routes
// of the bridge skipBridge (if not "") do not count.
func (h *Host) claimLocked(p netip.Prefix, owner string, checkRoutes bool, skipBridge string) error {
	dir := filepath.Join(h.StateDir, "subnets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		other, err := netip.ParsePrefix(strings.Replace(e.Name(), "-", "/", 1))
		if err != nil || !other.Overlaps(p) {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		holder := strings.TrimSpace(string(b))
		_, err = os.Stat(holder)
		fresh := false // claimed a moment ago: its record is being written
		if info, ierr := e.Info(); ierr == nil && time.Since(info.ModTime()) < 10*time.Second {
			fresh = true
		}
		if (err == nil || fresh) && holder != owner {
			return errdefs.Conflict("invalid pool request: Pool overlaps with other one on this address space (%s is used by %s)", other, holder)
		}
		os.Remove(filepath.Join(dir, e.Name())) // its network is gone
	}
	if checkRoutes {
		for _, ns := range []string{"", h.NSPath()} {
			if ns != "" && !IsPinned(ns) {
				continue
			}
			if overlap, err := routesOverlap(ns, p, skipBridge); err == nil && overlap {
				return errdefs.Conflict("subnet %s overlaps with a route of the host", p)
			}
		}
	}
	return os.WriteFile(filepath.Join(dir, claimName(p)), []byte(owner+"\n"), 0o600)
}

// defaultSubnets are the default bridge network's subnets in order of
// preference: podman's 10.88.0.0/16, then docker's default pool for its
// bridge (172.17.0.0/16 to 172.31.0.0/16). 10.89-10.94 are left to the
// user-defined networks' automatic /24s.
func defaultSubnets() []netip.Prefix {
	out := []netip.Prefix{DefaultSubnet}
	for b := 17; b <= 31; b++ {
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(b), 0, 0}), 16))
	}
	return out
}

// DefaultNetworkSubnet is the default bridge network's subnet on this
// host (or for this user, rootless): 10.88.0.0/16 unless a route of the
// host (an interface already on 10.88.x, a VPN) or another network's
// claim overlaps it, then the first free one of docker's pool
// (defaultSubnets), as docker and podman do. The choice is recorded
// (StateDir/default-subnet, a claim owned by that file) and kept while the
// default bridge is up; with the bridge down it is checked again, so a
// route that appeared since moves the network on its next start.
func (h *Host) DefaultNetworkSubnet() (netip.Prefix, error) {
	record := filepath.Join(h.StateDir, "default-subnet")
	active := func() bool {
		_, err := os.Stat(filepath.Join(h.StateDir, "networks", NetworkID(DefaultNetworkName)+".json"))
		return err == nil
	}
	read := func() (netip.Prefix, bool) {
		b, err := os.ReadFile(record)
		p, perr := netip.ParsePrefix(strings.TrimSpace(string(b)))
		return p, err == nil && perr == nil
	}
	if p, ok := read(); ok && active() {
		return p, nil // no lock: the bridge is up with it
	}
	unlock, err := h.lock()
	if err != nil {
		return DefaultSubnet, err
	}
	defer unlock()
	old, recorded := read()
	if active() {
		if recorded {
			return old, nil
		}
		// up before choices were recorded: on podman's subnet
		return DefaultSubnet, os.WriteFile(record, []byte(DefaultSubnet.String()+"\n"), 0o600)
	}
	candidates := defaultSubnets()
	if recorded { // keep the earlier choice when it is still free
		candidates = append([]netip.Prefix{old}, candidates...)
	}
	var last error
	for _, p := range candidates {
		if last = h.claimLocked(p, record, true, DefaultBridge); last != nil {
			continue
		}
		if recorded && p != old {
			h.ReleaseSubnet(old, record)
		}
		if err := os.WriteFile(record, []byte(p.String()+"\n"), 0o600); err != nil {
			return DefaultSubnet, err
		}
		return p, nil
	}
	return DefaultSubnet, fmt.Errorf("no free subnet for the default network (%v): remove the routes or networks on 10.88.0.0/16 or 172.17-31.0.0/16", last)
}

// ReleaseSubnet drops owner's claim on p.
func (h *Host) ReleaseSubnet(p netip.Prefix, owner string) {
	path := filepath.Join(h.StateDir, "subnets", claimName(p))
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == owner {
		os.Remove(path)
	}
}

func claimName(p netip.Prefix) string {
	return fmt.Sprintf("%s-%d", p.Addr(), p.Bits())
}
