// Package cgroups finds out what cgroup hierarchy the host has and whether
// skiff may place containers in a delegated cgroup v2 subtree to apply
// resource limits and freeze them.
//
// It imports nothing from skiff but internal packages.
package cgroups

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Mode is the host's cgroup layout.
type Mode string

// The layouts: v2 only, v1 with an empty or partial v2 mount (hybrid), v1.
const (
	Unified Mode = "2"
	Hybrid  Mode = "1 (hybrid: a cgroup v2 hierarchy is mounted but holds no controllers)"
	Legacy  Mode = "1"
)

// Facts describe the cgroups skiff can use.
type Facts struct {
	Mode Mode
	// Version is docker's CgroupVersion: "1" or "2".
	Version string
	// Dir is the delegated cgroup v2 directory skiff creates container
	// cgroups under, when Usable.
	Dir string
	// Usable reports whether limits and the freezer are available; Reason
	// says why not.
	Usable     bool
	Reason     string
	Controller map[string]bool
}

// Detect inspects /sys/fs/cgroup and the process's own cgroup.
func Detect() Facts {
	var st unix.Statfs_t
	f := Facts{Controller: map[string]bool{}}
	if err := unix.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		f.Mode, f.Version = Unified, "2"
		f.Dir = ownCgroup("/sys/fs/cgroup")
	} else {
		f.Mode, f.Version = Legacy, "1"
		if err := unix.Statfs("/sys/fs/cgroup/unified", &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			f.Mode = Hybrid
		}
		f.Reason = "the host uses cgroup v1; skiff applies limits only on a delegated cgroup v2 hierarchy"
		return f
	}
	ctrl, _ := os.ReadFile(filepath.Join(f.Dir, "cgroup.controllers"))
	for _, c := range strings.Fields(string(ctrl)) {
		f.Controller[c] = true
	}
	switch {
	case len(f.Controller) == 0:
		f.Reason = "no controllers are delegated to " + f.Dir
	case unix.Access(f.Dir, unix.W_OK) != nil:
		f.Reason = f.Dir + " is not writable: no cgroup subtree is delegated to this user (systemd: Delegate=yes)"
	default:
		f.Usable = true
	}
	return f
}

// ownCgroup is the cgroup v2 directory of the calling process.
func ownCgroup(mount string) string {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return mount
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "0::"); ok {
			return filepath.Join(mount, p)
		}
	}
	return mount
}
