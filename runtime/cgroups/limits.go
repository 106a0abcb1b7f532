package cgroups

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	lib "github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs"
	"github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/skiff-containers/skiff/internal/pathutil"
	"golang.org/x/sys/unix"
)

// The cgroup files and the resource files are written by runc's cgroup
// library (github.com/opencontainers/cgroups: fs for v1, fs2 for v2).
// Measured on a busy 2-core v1 host (BenchmarkCreate): making, limiting
// and removing a container's cgroups costs 1.0-2.3 ms with the library,
// 1.1-1.5 ms by hand; joining them ~10 ms once (the kernel's RCU
// synchronisation on the first cgroup.procs write), the same for any
// code. Starts without limits make no cgroup and read no cgroup file.

// DefaultParent is the cgroup under which skiff makes containers' cgroups
// when --cgroup-parent is not given: /skiff in each v1 hierarchy and at
// the v2 root (as root), or skiff under the delegated v2 subtree.
const DefaultParent = "skiff"

// Cgroup is a container's cgroup: one directory per v1 hierarchy, or the
// one v2 directory.
type Cgroup struct {
	// Paths maps a v1 controller to its directory; on v2 the one key is "".
	Paths map[string]string
}

// v1Controllers are the v1 hierarchies a container with limits joins:
// memory (limits, OOM kills, usage), cpu and cpuacct (limits, usage) and
// pids always; cpuset and blkio when it sets them.
var v1Controllers = []string{"memory", "cpu", "cpuacct", "pids"}

// Place returns where the cgroup of container id goes, under parent
// (--cgroup-parent, "" for skiff's own), with the v1 hierarchies r needs.
// It changes nothing; it fails with one line saying what would make
// limits work when skiff cannot make cgroups here.
func Place(id, parent string, r *specs.LinuxResources) (*Cgroup, error) {
	if hostMode() != Unified {
		return placeV1(id, parent, r)
	}
	base, err := V2Base()
	if err != nil {
		return nil, err
	}
	if err := checkControllers(base, r); err != nil {
		return nil, err
	}
	dir, err := under(base, parent, id)
	if err != nil {
		return nil, err
	}
	return &Cgroup{Paths: map[string]string{"": dir}}, nil
}

// under joins parent and id below base; an absolute parent is taken from
// the hierarchy's root (it must lie within base when base is delegated).
func under(base, parent, id string) (string, error) {
	if parent == "" {
		parent = DefaultParent
	}
	var dir string
	if filepath.IsAbs(parent) {
		dir = filepath.Join(UnifiedRoot, parent, id)
	} else {
		dir = filepath.Join(base, parent, id)
	}
	if !pathutil.Within(dir, base) {
		return "", fmt.Errorf("cannot use --cgroup-parent %s: skiff may only create cgroups under %s", parent, base)
	}
	return dir, nil
}

// UnifiedRoot is the cgroup v2 mount.
const UnifiedRoot = "/sys/fs/cgroup"

func placeV1(id, parent string, r *specs.LinuxResources) (*Cgroup, error) {
	if parent == "" {
		parent = "/" + DefaultParent
	}
	if !filepath.IsAbs(parent) {
		parent = "/" + parent
	}
	ctrls := slices.Clone(v1Controllers)
	if r != nil && r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != "") {
		ctrls = append(ctrls, "cpuset")
	}
	if r != nil && r.BlockIO != nil {
		ctrls = append(ctrls, "blkio")
	}
	c := &Cgroup{Paths: map[string]string{}}
	for _, ctrl := range ctrls {
		mnt, err := lib.FindCgroupMountpoint("", ctrl)
		if err != nil {
			return nil, fmt.Errorf("cannot apply resource limits: the cgroup v1 %s controller is not mounted", ctrl)
		}
		if unix.Access(mnt, unix.W_OK) != nil {
			return nil, errors.New("cannot apply resource limits: this host uses cgroup v1, which only root can write: " +
				"run skiff as root, or use a host with cgroup v2 that delegates a subtree to you (systemd: Delegate=yes)")
		}
		c.Paths[ctrl] = filepath.Join(mnt, parent, id)
	}
	return c, nil
}

// V2Base is the cgroup v2 directory skiff makes cgroups under: the root
// as root, else the top of the subtree delegated to the user (the
// highest writable ancestor of skiff's own cgroup).
func V2Base() (string, error) {
	if writable(UnifiedRoot) {
		return UnifiedRoot, nil
	}
	own := ownCgroup(UnifiedRoot)
	if !writable(own) {
		return "", fmt.Errorf("cannot create cgroups: no cgroup v2 subtree is delegated to you (%s is not writable): "+
			"run skiff in a delegated cgroup (systemd-run --user --scope -p Delegate=yes skiff ...) or as root", own)
	}
	base := own
	for p := filepath.Dir(own); strings.HasPrefix(p, UnifiedRoot+"/") && writable(p); p = filepath.Dir(p) {
		base = p
	}
	return base, nil
}

// writable reports whether skiff may create cgroups in dir and move
// processes through it: the directory, cgroup.procs and
// cgroup.subtree_control are writable (what delegation hands over).
func writable(dir string) bool {
	return unix.Access(dir, unix.W_OK) == nil && unix.Access(filepath.Join(dir, "cgroup.procs"), unix.W_OK) == nil &&
		unix.Access(filepath.Join(dir, "cgroup.subtree_control"), unix.W_OK) == nil
}

// v2Needs lists the v2 controllers r needs.
func v2Needs(r *specs.LinuxResources) []string {
	var out []string
	if r == nil {
		return out
	}
	if r.Memory != nil {
		out = append(out, "memory")
	}
	if r.CPU != nil && (r.CPU.Shares != nil || r.CPU.Quota != nil || r.CPU.Period != nil) {
		out = append(out, "cpu")
	}
	if r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != "") {
		out = append(out, "cpuset")
	}
	if r.Pids != nil {
		out = append(out, "pids")
	}
	if r.BlockIO != nil {
		out = append(out, "io")
	}
	return out
}

// checkControllers makes sure base offers and hands down the controllers
// r needs: listed in its cgroup.controllers, and enabled in its
// cgroup.subtree_control (which skiff does itself when base holds no
// process; a cgroup holding processes cannot pass controllers on).
func checkControllers(base string, r *specs.LinuxResources) error {
	avail := fields(filepath.Join(base, "cgroup.controllers"))
	for _, need := range v2Needs(r) {
		if !avail[need] {
			return fmt.Errorf("cannot apply the limit: the %s controller is not delegated to %s (systemd: Delegate=yes, or DelegateControllers=%s)", need, base, need)
		}
	}
	if base == UnifiedRoot {
		return nil
	}
	enabled := fields(filepath.Join(base, "cgroup.subtree_control"))
	for _, need := range v2Needs(r) {
		if enabled[need] {
			continue
		}
		if err := os.WriteFile(filepath.Join(base, "cgroup.subtree_control"), []byte("+"+need), 0); err != nil {
			if errors.Is(err, unix.EBUSY) {
				return fmt.Errorf("cannot apply the limit: %s holds processes, so it cannot hand the %s controller to skiff's cgroups: "+
					"run skiff from a child cgroup of it, or enable %s in its cgroup.subtree_control first", base, need, need)
			}
			return fmt.Errorf("enabling the %s controller in %s: %w", need, base, err)
		}
	}
	return nil
}

func fields(path string) map[string]bool {
	b, _ := os.ReadFile(path)
	out := map[string]bool{}
	for _, f := range strings.Fields(string(b)) {
		out[f] = true
	}
	return out
}

// manager is the library's manager for c with resources r.
func (c *Cgroup) manager(r *specs.LinuxResources) (lib.Manager, error) {
	cfg := &lib.Cgroup{Resources: toLib(r)}
	if dir, ok := c.Paths[""]; ok {
		return fs2.NewManager(cfg, dir)
	}
	return fs.NewManager(cfg, c.Paths)
}

// Create makes the container's cgroup and writes its limits.
func (c *Cgroup) Create(r *specs.LinuxResources) error {
	if err := c.Make(r); err != nil {
		return err
	}
	m, err := c.manager(r)
	if err != nil {
		return err
	}
	if err := m.Set(toLib(r)); err != nil {
		c.Remove()
		return limitError(err)
	}
	return nil
}

// Make creates the cgroup's directories without writing limits (a v1
// cpuset gets its parent's CPUs and memory nodes).
func (c *Cgroup) Make(r *specs.LinuxResources) error {
	m, err := c.manager(r)
	if err != nil {
		return err
	}
	if err := m.Apply(-1); err != nil {
		return fmt.Errorf("creating the container's cgroup: %w", err)
	}
	return nil
}

// Set writes new limits into an existing cgroup (update).
func (c *Cgroup) Set(r *specs.LinuxResources) error {
	m, err := c.manager(r)
	if err != nil {
		return err
	}
	if err := m.Set(toLib(r)); err != nil {
		return limitError(err)
	}
	return nil
}

// limitError says which limit the kernel refused.
func limitError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("the kernel refused %s in %s: %v", filepath.Base(pe.Path), filepath.Dir(pe.Path), pe.Err)
	}
	return fmt.Errorf("setting the container's limits: %w", err)
}

// Dirs lists the cgroup directories, for the init to join.
func (c *Cgroup) Dirs() []string {
	var out []string
	for _, d := range c.Paths {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// Exists reports whether the cgroup is there.
func (c *Cgroup) Exists() bool {
	for _, d := range c.Paths {
		if _, err := os.Stat(d); err == nil {
			return true
		}
	}
	return false
}

// Remove deletes the cgroup's directories once their processes are gone.
func (c *Cgroup) Remove() {
	for _, d := range c.Paths {
		if _, err := os.Stat(d); err == nil {
			Remove(d)
		}
	}
}

// OOMKills is how many processes the kernel's OOM killer ended in the
// cgroup (memory.oom_control on v1, memory.events on v2).
func (c *Cgroup) OOMKills() (uint64, bool) {
	if d, ok := c.Paths[""]; ok {
		return keyValue(filepath.Join(d, "memory.events"), "oom_kill")
	}
	if d, ok := c.Paths["memory"]; ok {
		return keyValue(filepath.Join(d, "memory.oom_control"), "oom_kill")
	}
	return 0, false
}

// keyValue reads the number after key in a "key value" cgroup file.
func keyValue(path, key string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			var n uint64
			_, err := fmt.Sscan(v, &n)
			return n, err == nil
		}
	}
	return 0, false
}

// toLib converts the spec's resources to the library's, as runc's
// specconv does. Values the spec leaves unset are written as "no limit"
// where the kernel has one (pids, swap), so an update can lift them.
func toLib(r *specs.LinuxResources) *lib.Resources {
	out := &lib.Resources{SkipDevices: true}
	noPids := int64(-1)
	out.PidsLimit = &noPids
	if r == nil {
		return out
	}
	if m := r.Memory; m != nil {
		out.Memory = deref(m.Limit)
		out.MemoryReservation = deref(m.Reservation)
		out.MemorySwap = deref(m.Swap)
		out.MemorySwappiness = m.Swappiness
		out.OomKillDisable = m.DisableOOMKiller != nil && *m.DisableOOMKiller
	}
	if c := r.CPU; c != nil {
		out.CpuShares = deref(c.Shares)
		// v2's cpu.weight: the library leaves the conversion to its
		// caller, as runc's specconv does it (v1 ignores the weight)
		out.CpuWeight = lib.ConvertCPUSharesToCgroupV2Value(out.CpuShares)
		out.CpuQuota = deref(c.Quota)
		out.CpuPeriod = deref(c.Period)
		out.CpusetCpus, out.CpusetMems = c.Cpus, c.Mems
		if c.Period != nil && c.Quota == nil {
			out.CpuQuota = -1
		}
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		out.PidsLimit = r.Pids.Limit
	}
	if b := r.BlockIO; b != nil {
		out.BlkioWeight = deref(b.Weight)
		for _, d := range b.WeightDevice {
			out.BlkioWeightDevice = append(out.BlkioWeightDevice, lib.NewWeightDevice(d.Major, d.Minor, deref(d.Weight), 0))
		}
		for _, t := range []struct {
			in  []specs.LinuxThrottleDevice
			out *[]*lib.ThrottleDevice
		}{
			{b.ThrottleReadBpsDevice, &out.BlkioThrottleReadBpsDevice}, {b.ThrottleWriteBpsDevice, &out.BlkioThrottleWriteBpsDevice},
			{b.ThrottleReadIOPSDevice, &out.BlkioThrottleReadIOPSDevice}, {b.ThrottleWriteIOPSDevice, &out.BlkioThrottleWriteIOPSDevice},
		} {
			for _, d := range t.in {
				*t.out = append(*t.out, lib.NewThrottleDevice(d.Major, d.Minor, d.Rate))
			}
		}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Offers is what the kernel's cgroups can limit here, for validating
// limits as docker does.
type Offers struct {
	V2 bool
	// CPUs and Mems are the CPUs and memory nodes containers may use.
	CPUs, Mems                       string
	Swap, BlkioWeight, BlkioThrottle bool
}

// HostOffers reads what the host's cgroups offer.
func HostOffers() Offers {
	o := Offers{CPUs: readTrim("/sys/devices/system/cpu/online"), Mems: readTrim("/sys/devices/system/node/online")}
	if o.Mems == "" {
		o.Mems = "0"
	}
	if hostMode() == Unified {
		o.V2 = true
		base, err := V2Base()
		if err != nil {
			base = UnifiedRoot
		}
		if s := readTrim(filepath.Join(base, "cpuset.cpus.effective")); s != "" {
			o.CPUs = s
		}
		if s := readTrim(filepath.Join(base, "cpuset.mems.effective")); s != "" {
			o.Mems = s
		}
		avail := fields(filepath.Join(base, "cgroup.controllers"))
		// Swap accounting is on by default since Linux 5.8 (memory.swap.max).
		o.Swap = avail["memory"]
		o.BlkioWeight, o.BlkioThrottle = avail["io"], avail["io"]
		return o
	}
	if mnt, err := lib.FindCgroupMountpoint("", "cpuset"); err == nil {
		if s := readTrim(filepath.Join(mnt, "cpuset.effective_cpus")); s != "" {
			o.CPUs = s
		}
		if s := readTrim(filepath.Join(mnt, "cpuset.effective_mems")); s != "" {
			o.Mems = s
		}
	}
	if mnt, err := lib.FindCgroupMountpoint("", "memory"); err == nil {
		o.Swap = exists(filepath.Join(mnt, "memory.memsw.limit_in_bytes"))
	}
	if mnt, err := lib.FindCgroupMountpoint("", "blkio"); err == nil {
		o.BlkioWeight = exists(filepath.Join(mnt, "blkio.weight")) || exists(filepath.Join(mnt, "blkio.bfq.weight"))
		o.BlkioThrottle = exists(filepath.Join(mnt, "blkio.throttle.read_bps_device"))
	}
	return o
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Usage is what a container's cgroup counts, in docker's terms.
type Usage struct {
	CPUNanos uint64 // CPU time of all its processes
	// Memory is the usage without the inactive file cache (docker's "MEM
	// USAGE"); MemoryLimit is 0 without a limit.
	Memory, MemoryLimit   uint64
	Pids                  uint64
	BlockRead, BlockWrite uint64
}

// noLimit is above any real memory limit (v1 reports "unlimited" as a
// huge page-rounded number).
const noLimit = 1 << 60

// Usage reads the cgroup's counters.
func (c *Cgroup) Usage() (*Usage, error) {
	m, err := c.manager(nil)
	if err != nil {
		return nil, err
	}
	st, err := m.GetStats()
	if err != nil {
		return nil, err
	}
	u := &Usage{CPUNanos: st.CpuStats.CpuUsage.TotalUsage, Pids: st.PidsStats.Current}
	mem := st.MemoryStats
	u.Memory = mem.Usage.Usage
	inactive := mem.Stats["inactive_file"]
	if _, v1 := c.Paths["memory"]; v1 {
		inactive = mem.Stats["total_inactive_file"]
	}
	if inactive < u.Memory {
		u.Memory -= inactive
	}
	if mem.Usage.Limit > 0 && mem.Usage.Limit < noLimit {
		u.MemoryLimit = mem.Usage.Limit
	}
	for _, e := range st.BlkioStats.IoServiceBytesRecursive {
		switch strings.ToLower(e.Op) {
		case "read":
			u.BlockRead += e.Value
		case "write":
			u.BlockWrite += e.Value
		}
	}
	return u, nil
}

// RootlessV2 reports whether the host has cgroup v2 only and skiff may
// not write its root: where a systemd scope (runtime/cgroups/scope) can
// give a rootless user a delegated cgroup.
func RootlessV2() bool {
	return hostMode() == Unified && !writable(UnifiedRoot)
}

// Missing lists the v2 controllers r needs that the cgroup at dir (or,
// when it does not exist yet, its nearest existing ancestor) does not
// offer.
func Missing(dir string, r *specs.LinuxResources) []string {
	for dir != UnifiedRoot && !exists(dir) {
		dir = filepath.Dir(dir)
	}
	avail := fields(filepath.Join(dir, "cgroup.controllers"))
	var out []string
	for _, need := range v2Needs(r) {
		if !avail[need] {
			out = append(out, need)
		}
	}
	return out
}

// Delegate makes the delegated cgroup base hand the controllers r needs
// to its children (base must hold no process itself).
func Delegate(base string, r *specs.LinuxResources) error {
	return checkControllers(base, r)
}

// Available lists the controllers the cgroup at dir (or its nearest
// existing ancestor) offers.
func Available(dir string) []string {
	for dir != UnifiedRoot && !exists(dir) {
		dir = filepath.Dir(dir)
	}
	return slices.Sorted(maps.Keys(fields(filepath.Join(dir, "cgroup.controllers"))))
}
