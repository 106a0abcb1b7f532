package hostcheck

import (
	"fmt"
	"os/exec"
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
