package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/sys/capability"
)

// DefaultCaps is docker's default capability set.
var DefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// knownCaps lists every capability this build knows, as CAP_* names.
func knownCaps() []string {
	var out []string
	for _, c := range capability.ListKnown() {
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

// AllCaps lists the capabilities skiff can grant (--privileged, --cap-add
// ALL): those the kernel has and the calling process's bounding set holds.
// Docker gives a privileged container what the daemon itself may hold; on
// a restricted host (a container, a sandbox) that is less than every
// capability, and asking for more makes the container fail to start.
func AllCaps() []string {
	last, err := capability.LastCap()
	if err != nil {
		return knownCaps()
	}
	self, err := capability.NewPid2(0)
	if err == nil {
		err = self.Load()
	}
	var out []string
	for _, c := range capability.ListKnown() {
		if c <= last && (err != nil || self.Get(capability.BOUNDING, c)) {
			out = append(out, "CAP_"+strings.ToUpper(c.String()))
		}
	}
	return out
}

// NormalizeCap turns "net_admin", "NET_ADMIN" or "CAP_NET_ADMIN" into
// "CAP_NET_ADMIN"; "ALL" stays "ALL". Unknown names are an error.
func NormalizeCap(name string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if n == "ALL" {
		return n, nil
	}
	if !strings.HasPrefix(n, "CAP_") {
		n = "CAP_" + n
	}
	if !slices.Contains(knownCaps(), n) {
		return "", fmt.Errorf("unknown capability %q: see capabilities(7) for the names", name)
	}
	return n, nil
}

// Capabilities computes the container's capability set from the defaults
// and --cap-add/--cap-drop (ALL allowed in either), as docker does: drops
// apply first unless a cap is added explicitly.
func Capabilities(privileged bool, add, drop []string) ([]string, error) {
	if privileged {
		return AllCaps(), nil
	}
	norm := func(in []string) ([]string, error) {
		var out []string
		for _, c := range in {
			n, err := NormalizeCap(c)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	}
	adds, err := norm(add)
	if err != nil {
		return nil, err
	}
	drops, err := norm(drop)
	if err != nil {
		return nil, err
	}
	var base []string
	switch {
	case slices.Contains(adds, "ALL"):
		base = AllCaps()
	case slices.Contains(drops, "ALL"):
		base = nil
	default:
		base = append([]string{}, DefaultCaps...)
	}
	var out []string
	for _, c := range base {
		if !slices.Contains(drops, c) || slices.Contains(adds, c) {
			out = append(out, c)
		}
	}
	for _, c := range adds {
		if c != "ALL" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}
