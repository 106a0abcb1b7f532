package system

import (
	"fmt"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/internal/hostcheck"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/cgroups"
	"github.com/skiff-containers/skiff/runtime/cgroups/scope"
)

// CheckReport is what `skiff system check` found, section by section.
// Every finding has the shape of hostcheck.Finding: what is wrong, and the
// command that fixes it.
type CheckReport struct {
	Sections []CheckSection
}

// CheckSection is one part of the report: the host's prerequisites; the
// store's consistency.
type CheckSection struct {
	Title   string
	Results []hostcheck.Result
	// Repaired lists what system check --repair removed.
	Repaired []string `json:",omitempty"`
}

// Count returns how many findings of the given severity the report holds.
func (r *CheckReport) Count(sev hostcheck.Severity) int {
	n := 0
	for _, s := range r.Sections {
		for _, res := range s.Results {
			for _, f := range res.Findings {
				if f.Severity == sev {
					n++
				}
			}
		}
	}
	return n
}

// Invoker is the user skiff runs for, with host ids even from inside the
// user namespace.
func Invoker() hostcheck.User {
	u := hostcheck.User{UID: rootless.HostUID(), GID: rootless.HostGID(), Rootless: rootless.IsRootless()}
	u.Name = strconv.Itoa(u.UID)
	if pw, err := user.LookupId(u.Name); err == nil {
		u.Name = pw.Username
	}
	return u
}

// HostPrerequisites checks what skiff needs from the machine for u and the
// store at root: the user namespace and its id mapping (rootless),
// storage, networking, FUSE
// and whether resource limits can apply. It reads the host only, so it
// runs (and gives the same answers) outside skiff's user namespace, where
// a user whose namespace cannot be made still gets the report, and inside.
func HostPrerequisites(u hostcheck.User, root string) CheckSection {
	title := "Host prerequisites (root)"
	if u.Rootless {
		title = fmt.Sprintf("Host prerequisites (rootless, user %s, uid %d)", u.Name, u.UID)
	}
	facts, _ := scope.Detect("") // a rootless user's systemd manager gives scopes
	results := append(hostcheck.Run(u, root), cgroupCheck(facts, u.Rootless))
	for i := range results {
		if results[i].Findings == nil {
			results[i].Findings = []hostcheck.Finding{} // [] in JSON
		}
	}
	return CheckSection{Title: title, Results: results}
}

// limitFlags are the run flags each cgroup controller serves.
var limitFlags = []struct{ controller, flags string }{
	{"memory", "--memory"}, {"cpu", "--cpus"}, {"pids", "--pids-limit"}, {"io", "--blkio-weight"}, {"cpuset", "--cpuset-cpus"},
}

// delegateFix gives a user's systemd session the controllers.
const delegateFix = `run as root: mkdir -p /etc/systemd/system/user@.service.d && ` +
	`printf '[Service]\nDelegate=cpu cpuset io memory pids\n' > /etc/systemd/system/user@.service.d/delegate.conf && ` +
	`systemctl daemon-reload, then log in again`

// cgroupCheck says which resource limits cannot apply here and why, from
// what runtime/cgroups detects. Limits are optional: its findings are
// notes.
func cgroupCheck(f cgroups.Facts, rootless bool) hostcheck.Result {
	r := hostcheck.Result{Check: "cgroups (resource limits)"}
	var all []string
	for _, l := range limitFlags {
		all = append(all, l.flags)
	}
	fix := delegateFix
	if !rootless {
		fix = fmt.Sprintf("run as root: echo '+cpu +cpuset +io +memory +pids' > %s/cgroup.subtree_control", filepath.Dir(f.Dir))
	}
	switch {
	case !f.Usable && f.Mode != cgroups.Unified:
		// cgroup v1 (or hybrid), which only root can write
		r.Findings = append(r.Findings, hostcheck.Finding{Severity: hostcheck.Note,
			Cause: fmt.Sprintf("resource limits (%s) cannot apply: %s", strings.Join(all, ", "), f.Reason),
			Fix:   "boot with cgroup v2 only: add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub and reboot"})
	case !f.Usable:
		r.Findings = append(r.Findings, hostcheck.Finding{Severity: hostcheck.Note,
			Cause: fmt.Sprintf("resource limits (%s) cannot apply: %s", strings.Join(all, ", "), f.Reason), Fix: fix})
	default:
		var missing []string
		for _, l := range limitFlags {
			c := l.controller
			if c == "io" && f.Mode != cgroups.Unified {
				c = "blkio" // v1's name
			}
			if !f.Controller[c] {
				missing = append(missing, fmt.Sprintf("%s (no %s controller)", l.flags, c))
			}
		}
		where := f.Dir
		if f.Mode != cgroups.Unified {
			where, fix = "the cgroup v1 hierarchies", "mount the missing v1 controllers under /sys/fs/cgroup, or boot with cgroup v2 only"
		}
		if len(missing) > 0 {
			r.Findings = append(r.Findings, hostcheck.Finding{Severity: hostcheck.Note,
				Cause: fmt.Sprintf("some resource limits cannot apply in %s: %s", where, strings.Join(missing, ", ")), Fix: fix})
		}
	}
	return r
}
