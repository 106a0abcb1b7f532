package hostcheck

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// The outward network helpers of rootless containers, in skiff's order of
// preference, and the Debian packages that hold them.
var networkHelpers = []struct{ name, pkg string }{{"pasta", "passt"}, {"slirp4netns", "slirp4netns"}}

// NetworkHelpers checks that pasta or slirp4netns is on PATH: rootless
// containers reach the network through one of them (as root only
// --network pasta and --network slirp4netns use them).
func NetworkHelpers(rootless bool) Result {
	r := Result{Check: "network helpers (pasta, slirp4netns)"}
	for _, h := range networkHelpers {
		if _, err := exec.LookPath(h.name); err == nil {
			return r
		}
	}
	if rootless {
		r.Findings = append(r.Findings, Finding{Problem,
			"rootless networking needs pasta or slirp4netns and neither is on PATH: containers can only run with --network none or --network host",
			"run as root: apt-get install passt"})
	} else {
		r.Findings = append(r.Findings, Finding{Note,
			"neither pasta nor slirp4netns is on PATH: --network pasta and --network slirp4netns cannot work",
			"run as root: apt-get install passt"})
	}
	return r
}

// MissingHelper is the finding for a network helper that is not on PATH,
// or nil when it is.
func MissingHelper(name string) *Finding {
	if _, err := exec.LookPath(name); err == nil {
		return nil
	}
	pkg := name
	for _, h := range networkHelpers {
		if h.name == name {
			pkg = h.pkg
		}
	}
	return &Finding{Problem, fmt.Sprintf("%s is not on PATH: --network %s cannot work", name, name), "run as root: apt-get install " + pkg}
}

// DefaultRoute checks that this network namespace (the host's, where
// skiff starts pasta) has a default route, IPv4 or IPv6: pasta copies
// the addresses and routes of the interface that holds it and refuses to
// start without one ("External interface not usable"). slirp4netns
// starts regardless.
func DefaultRoute(rootless bool) Result {
	r := Result{Check: "default route (pasta)"}
	if hasDefaultRoute("/proc/net/route", "/proc/net/ipv6_route") {
		return r
	}
	if _, err := exec.LookPath("pasta"); err != nil {
		return r
	}
	// as root only --network pasta needs it; a failed pasta asks with
	// rootless true, as its cause is then a problem whoever runs it
	sev := Note
	if rootless {
		sev = Problem
	}
	r.Findings = append(r.Findings, Finding{sev,
		"the host has no default route (IPv4 or IPv6): pasta cannot connect containers to the network",
		"run as root: ip route add default via GATEWAY, or run containers with --network none"})
	return r
}

// hasDefaultRoute reads the kernel's route tables (/proc/net/route and
// /proc/net/ipv6_route) for a usable default route: up, not a reject
// route, not on the loopback (where the kernel keeps IPv6's unreachable
// default).
func hasDefaultRoute(v4, v6 string) bool {
	const rtfUp, rtfReject = 0x1, 0x200
	if b, err := os.ReadFile(v4); err == nil {
		for _, l := range strings.Split(string(b), "\n")[1:] {
			// Iface Destination Gateway Flags RefCnt Use Metric Mask ...
			f := strings.Fields(l)
			if len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
				continue
			}
			if flags, err := strconv.ParseUint(f[3], 16, 32); err == nil && flags&rtfUp != 0 && flags&rtfReject == 0 {
				return true
			}
		}
	}
	if b, err := os.ReadFile(v6); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			// dest destlen src srclen nexthop metric refcnt use flags iface
			f := strings.Fields(l)
			if len(f) < 10 || strings.Trim(f[0], "0") != "" || f[1] != "00" || f[9] == "lo" {
				continue
			}
			if flags, err := strconv.ParseUint(f[8], 16, 32); err == nil && flags&rtfUp != 0 && flags&rtfReject == 0 {
				return true
			}
		}
	}
	return false
}
