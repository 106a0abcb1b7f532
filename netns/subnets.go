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
	dir := filepath.Join(h.StateDir, "subnets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
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
			return nil, errdefs.Conflict("invalid pool request: Pool overlaps with other one on this address space (%s is used by %s)", other, holder)
		}
		os.Remove(filepath.Join(dir, e.Name())) // its network is gone
	}
	if checkRoutes {
		for _, ns := range []string{"", h.NSPath()} {
			if ns != "" && !IsPinned(ns) {
				continue
			}
			if overlap, err := routesOverlap(ns, p, ""); err == nil && overlap {
				return nil, errdefs.Conflict("subnet %s overlaps with a route of the host", p)
			}
		}
	}
	path := filepath.Join(dir, claimName(p))
	if err := os.WriteFile(path, []byte(owner+"\n"), 0o600); err != nil {
		return nil, err
	}
	return func() { h.ReleaseSubnet(p, owner) }, nil
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
