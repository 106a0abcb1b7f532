package netns

import (
	"fmt"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
)

// An orphan link is a bridge or veth in the bridges' namespace that no
// network whose bridge is up and no leased address accounts for: what a
// command killed (kill -9) between creating a link and recording it, or
// between removing the record and the link, leaves. Only skiff's own are
// considered: bridges named BridgePrefix..., veths enslaved to them.

// orphanLinks lists them; the caller holds the lock, in the namespace.
func (h *Host) orphanLinks(hh *netlink.Handle) ([]netlink.Link, error) {
	nets, err := h.activeNetworks()
	if err != nil {
		return nil, err
	}
	bridges, veths := map[string]bool{}, map[string]bool{}
	for _, n := range nets {
		bridges[n.Bridge] = true
		eps, _ := listEndpoints(h.poolFor(n).dir, nil)
		for _, ep := range eps {
			veths[hostIfName(ep.ContainerID, n.ID)] = true
			if ep.HostIfName != "" {
				veths[ep.HostIfName] = true
			}
		}
	}
	links, err := hh.LinkList()
	if err != nil {
		return nil, fmt.Errorf("listing the network interfaces: %w", err)
	}
	byIndex := map[int]netlink.Link{}
	for _, l := range links {
		byIndex[l.Attrs().Index] = l
	}
	var out []netlink.Link
	for _, l := range links {
		a := l.Attrs()
		switch l.Type() {
		case "bridge":
			if strings.HasPrefix(a.Name, BridgePrefix) && !bridges[a.Name] {
				out = append(out, l)
			}
		case "veth":
			if m := byIndex[a.MasterIndex]; m != nil && strings.HasPrefix(m.Attrs().Name, BridgePrefix) && !veths[a.Name] {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// orphanSettle is how long a link must stay an orphan to count as one:
// the kernel destroys a network namespace asynchronously, so the veth of
// a container that just stopped outlives its released address for a
// moment (longer on a loaded machine).
const orphanSettle = 2 * time.Second

// orphanCandidates are the links orphanLinks lists now (by linkKey),
// under the lock; when there are any, it waits orphanSettle, without
// the lock, so that the caller counts only those still orphans then.
func (h *Host) orphanCandidates() map[string]bool {
	seen := map[string]bool{}
	unlock, err := h.lock()
	if err != nil {
		return seen
	}
	if !h.Rootless || IsPinned(h.NSPath()) {
		_ = withHandle(h.NSPath(), func(hh *netlink.Handle) error {
			links, _ := h.orphanLinks(hh)
			for _, l := range links {
				seen[linkKey(l)] = true
			}
			return nil
		})
	}
	unlock()
	if len(seen) > 0 {
		time.Sleep(orphanSettle)
	}
	return seen
}

// linkKey names a link by name and index: a link made again under the
// same name is another one.
func linkKey(l netlink.Link) string {
	return fmt.Sprintf("%s/%d", l.Attrs().Name, l.Attrs().Index)
}

// OrphanLinks lists skiff's bridges and veths that belong to no network
// and no container (see orphanLinks), and, rootless, the user's network
// namespace when no network uses it any more, each on one line.
func (h *Host) OrphanLinks() ([]string, error) {
	settled := h.orphanCandidates()
	unlock, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []string
	if h.Rootless {
		if !IsPinned(h.NSPath()) {
			return nil, nil
		}
		if nets, _ := h.activeNetworks(); len(nets) == 0 {
			out = append(out, fmt.Sprintf("the rootless network namespace %s serves no network", h.NSPath()))
		}
	}
	err = withHandle(h.NSPath(), func(hh *netlink.Handle) error {
		links, err := h.orphanLinks(hh)
		for _, l := range links {
			if !settled[linkKey(l)] {
				continue
			}
			what := "bridge"
			if l.Type() == "veth" {
				what = "veth"
			}
			out = append(out, fmt.Sprintf("%s %s belongs to no network or container", what, l.Attrs().Name))
		}
		return err
	})
	return out, err
}

// RemoveOrphanLinks deletes what OrphanLinks lists, as it finds it under
// the lock now.
func (h *Host) RemoveOrphanLinks() error {
	settled := h.orphanCandidates()
	unlock, err := h.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if h.Rootless {
		if !IsPinned(h.NSPath()) {
			return nil
		}
		if nets, _ := h.activeNetworks(); len(nets) == 0 {
			h.stopNamespace() // its links go with it
			return nil
		}
	}
	return withHandle(h.NSPath(), func(hh *netlink.Handle) error {
		links, err := h.orphanLinks(hh)
		for _, l := range links {
			if !settled[linkKey(l)] {
				continue
			}
			if derr := hh.LinkDel(l); derr != nil && err == nil {
				err = fmt.Errorf("deleting %s: %w", l.Attrs().Name, derr)
			}
		}
		return err
	})
}
