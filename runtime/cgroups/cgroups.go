// Package cgroups finds out what cgroup hierarchy the host has and where
// skiff may make containers' cgroups (v1 hierarchies as root, the v2 root
// as root, a delegated v2 subtree rootless), makes them with their
// limits, reads their usage and OOM kills, and freezes them.
//
// It imports nothing from skiff but internal packages.
package cgroups

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	lib "github.com/opencontainers/cgroups"
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
	// Dir is the cgroup v2 directory skiff creates container cgroups
	// under, when Usable (V2Base).
	Dir string
	// Usable reports whether limits are available; Reason says why not.
	Usable     bool
	Reason     string
	Controller map[string]bool
}

// hostMode tells the host's layout from the filesystem at /sys/fs/cgroup.
func hostMode() Mode {
	var st unix.Statfs_t
	if err := unix.Statfs(UnifiedRoot, &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return Unified
	}
	if err := unix.Statfs(UnifiedRoot+"/unified", &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return Hybrid
	}
	return Legacy
}

// Detect inspects /sys/fs/cgroup and the process's own cgroup: the
// controllers skiff may use, or why it may use none.
func Detect() Facts {
	f := Facts{Mode: hostMode(), Version: "1", Controller: map[string]bool{}}
	if f.Mode == Unified {
		f.Version = "2"
		base, err := V2Base()
		if err != nil {
			f.Reason = err.Error()
			return f
		}
		f.Dir = base
		for c := range fields(filepath.Join(base, "cgroup.controllers")) {
			f.Controller[c] = true
		}
		if len(f.Controller) == 0 {
			f.Reason = "no controllers are delegated to " + base
		}
		f.Usable = len(f.Controller) > 0
		return f
	}
	for _, c := range []string{"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer"} {
		if mnt, err := lib.FindCgroupMountpoint("", c); err == nil && unix.Access(mnt, unix.W_OK) == nil {
			f.Controller[c] = true
		}
	}
	f.Usable = f.Controller["memory"]
	if !f.Usable {
		f.Reason = "this host uses cgroup v1, which only root can write: run skiff as root, or use a host with cgroup v2 that delegates a subtree to you (systemd: Delegate=yes)"
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
