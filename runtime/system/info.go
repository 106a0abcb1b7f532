// Package system is about the whole installation: `info`, `system df`
// and `system check` gather from storage, runtime, cgroups, netns and
// internal/hostcheck and change nothing; `system prune` (Prune) runs each
// kind's own prune (runtime/container, runtime/network, runtime/volume,
// runtime/image), with their events and usage checks; `system restore`
// starts what a reboot stopped. It must not import commands.
package system

import (
	"bufio"
	"maps"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/version"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/cgroups/scope"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Info has the shape of docker's `info` JSON, plus skiff's own facts
// (rootless mapping, why a driver was chosen, network helpers).
type Info struct {
	ID                string
	Containers        int
	ContainersRunning int
	ContainersPaused  int
	ContainersStopped int
	Images            int
	Driver            string
	DriverStatus      [][2]string
	DockerRootDir     string
	MemoryLimit       bool
	SwapLimit         bool
	CPUShares         bool
	PidsLimit         bool
	CgroupDriver      string
	CgroupVersion     string
	KernelVersion     string
	OperatingSystem   string
	OSVersion         string
	OSType            string
	Architecture      string
	NCPU              int
	MemTotal          int64
	Name              string
	ServerVersion     string
	SystemTime        string
	LoggingDriver     string
	DefaultRuntime    string
	SecurityOptions   []string
	Warnings          []string

	// skiff's own
	Rootless     bool
	RunRoot      string
	DriverReason string
	IDMappings   IDMappings
	CgroupLimits bool
	CgroupReason string `json:",omitempty"`
	// CgroupControllers are the controllers skiff can use for limits.
	CgroupControllers []string
	NetworkHelpers    []netns.Helper
}

// IDMappings is the user namespace's mapping (rootless) or empty.
type IDMappings struct {
	UIDMap []rootless.IDMap
	GIDMap []rootless.IDMap
}

// Counter counts containers by state; the container package provides it.
type Counter func() (running, paused, stopped int, err error)

// GetInfo gathers Info. count may be nil when containers are not known.
func GetInfo(e *engine.Engine, count Counter) (*Info, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	imgs, err := s.Images()
	if err != nil {
		return nil, err
	}
	cg, driver := scope.Detect(e.Config.CgroupManager)
	var u unix.Utsname
	_ = unix.Uname(&u)
	host, _ := os.Hostname()
	info := &Info{
		ID:                "skiff",
		Images:            len(imgs),
		Driver:            s.Driver,
		DriverStatus:      [][2]string{{"Backing Filesystem", backingFS(e.Root())}, {"Chosen because", s.DriverReason}},
		DockerRootDir:     e.Root(),
		CgroupDriver:      "none",
		CgroupVersion:     cg.Version,
		CgroupLimits:      cg.Usable,
		CgroupReason:      cg.Reason,
		CgroupControllers: slices.Sorted(maps.Keys(cg.Controller)),
		MemoryLimit:       cg.Usable && cg.Controller["memory"],
		SwapLimit:         cg.Usable && cg.Controller["memory"],
		CPUShares:         cg.Usable && cg.Controller["cpu"],
		PidsLimit:         cg.Usable && cg.Controller["pids"],
		KernelVersion:     cstr(u.Release[:]),
		OperatingSystem:   osRelease("PRETTY_NAME"),
		OSVersion:         osRelease("VERSION_ID"),
		OSType:            goruntime.GOOS,
		Architecture:      cstr(u.Machine[:]),
		NCPU:              goruntime.NumCPU(),
		MemTotal:          memTotal(),
		Name:              host,
		ServerVersion:     version.Version,
		SystemTime:        time.Now().Format(time.RFC3339Nano),
		LoggingDriver:     "json-file",
		DefaultRuntime:    "skiff",
		SecurityOptions:   []string{"name=seccomp,profile=builtin"},
		Rootless:          e.Rootless(),
		RunRoot:           e.RunRoot(),
		DriverReason:      s.DriverReason,
		NetworkHelpers:    netns.Helpers(),
	}
	info.CgroupDriver = driver
	if e.Rootless() {
		info.SecurityOptions = append(info.SecurityOptions, "name=rootless")
		info.IDMappings.UIDMap, info.IDMappings.GIDMap, _ = rootless.CurrentIDMaps()
	}
	if !cg.Usable {
		info.Warnings = append(info.Warnings, "WARNING: resource limits are not available: "+cg.Reason)
	}
	if count != nil {
		r, p, st, err := count()
		if err != nil {
			return nil, err
		}
		info.ContainersRunning, info.ContainersPaused, info.ContainersStopped = r, p, st
		info.Containers = r + p + st
	}
	return info, nil
}

func cstr(b []byte) string {
	return strings.TrimRight(string(b), "\x00")
}

func backingFS(path string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "unknown"
	}
	switch st.Type {
	case unix.EXT4_SUPER_MAGIC:
		return "extfs"
	case unix.XFS_SUPER_MAGIC:
		return "xfs"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlayfs"
	}
	return "unknown"
}

func osRelease(key string) string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func memTotal() int64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}
