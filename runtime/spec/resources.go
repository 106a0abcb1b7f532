package spec

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Resources are a container's resource limits with docker's names, units
// and JSON keys (its HostConfig fields): what run, create and update set,
// and what compose's deploy.resources, mem_limit, cpus and pids_limit map
// onto. Zero values mean "not set".
type Resources struct {
	CgroupParent         string
	BlkioWeight          uint16
	BlkioWeightDevice    []WeightDevice
	BlkioDeviceReadBps   []ThrottleDevice
	BlkioDeviceWriteBps  []ThrottleDevice
	BlkioDeviceReadIOps  []ThrottleDevice
	BlkioDeviceWriteIOps []ThrottleDevice
	CPUPeriod            int64  `json:"CpuPeriod"`
	CPUQuota             int64  `json:"CpuQuota"`
	CPUShares            int64  `json:"CpuShares"`
	CpusetCpus           string // "0-2,4"
	CpusetMems           string
	Memory               int64 // bytes
	MemoryReservation    int64
	// MemorySwap is memory plus swap, in bytes; -1 is unlimited swap.
	MemorySwap       int64
	MemorySwappiness *int64
	NanoCPUs         int64 `json:"NanoCpus"` // CPUs × 10⁹
	OomKillDisable   *bool
	// PidsLimit is nil for no limit.
	PidsLimit *int64
	// KernelMemory is --kernel-memory, accepted and ignored (with a
	// warning) as docker does.
	KernelMemory int64 `json:"-"`
}

// WeightDevice is one --blkio-weight-device.
type WeightDevice struct {
	Path   string
	Weight uint16
}

// ThrottleDevice is one --device-{read,write}-{bps,iops}.
type ThrottleDevice struct {
	Path string
	Rate uint64
}

// Any reports whether a limit is set, which needs a cgroup of the
// container's own (CgroupParent alone asks for one too).
func (r *Resources) Any() bool {
	return r.CgroupParent != "" || r.Memory != 0 || r.MemorySwap != 0 || r.MemoryReservation != 0 ||
		r.MemorySwappiness != nil || (r.OomKillDisable != nil && *r.OomKillDisable) ||
		r.NanoCPUs != 0 || r.CPUShares != 0 || r.CPUPeriod != 0 || r.CPUQuota != 0 ||
		r.CpusetCpus != "" || r.CpusetMems != "" || r.PidsLimit != nil || r.BlkioWeight != 0 ||
		len(r.BlkioWeightDevice)+len(r.BlkioDeviceReadBps)+len(r.BlkioDeviceWriteBps)+
			len(r.BlkioDeviceReadIOps)+len(r.BlkioDeviceWriteIOps) > 0
}

// ResourceFlags are the resource flags of run, create and update as the
// user typed them ("" or nil: not given). Parse turns them into Resources
// with docker's messages for bad values.
type ResourceFlags struct {
	Memory, MemorySwap, MemoryReservation, MemorySwappiness, KernelMemory string
	OomKillDisable                                                        *bool
	CPUs, CPUShares, CPUPeriod, CPUQuota, CpusetCpus, CpusetMems          string
	PidsLimit, BlkioWeight                                                string
	BlkioWeightDevice                                                     []string
	DeviceReadBps, DeviceWriteBps, DeviceReadIOps, DeviceWriteIOps        []string
	CgroupParent                                                          string
}

// flagErr is pflag's message for a value a flag cannot take, which docker
// prints: invalid argument "12q" for "-m, --memory" flag: invalid size: '12q'.
func flagErr(flag, value string, err error) error {
	return errdefs.Invalid("invalid argument %q for %q flag: %v", value, flag, err)
}

// Parse reads the flags.
func (f *ResourceFlags) Parse() (r Resources, err error) {
	r.CgroupParent, r.CpusetCpus, r.CpusetMems = f.CgroupParent, f.CpusetCpus, f.CpusetMems
	r.OomKillDisable = f.OomKillDisable
	for _, b := range []struct {
		flag, v string
		dst     *int64
	}{
		{"-m, --memory", f.Memory, &r.Memory}, {"--memory-reservation", f.MemoryReservation, &r.MemoryReservation},
		{"--memory-swap", f.MemorySwap, &r.MemorySwap}, {"--kernel-memory", f.KernelMemory, &r.KernelMemory},
	} {
		if b.v == "" {
			continue
		}
		if b.v == "-1" && b.dst == &r.MemorySwap {
			r.MemorySwap = -1
			continue
		}
		if *b.dst, err = units.RAMInBytes(b.v); err != nil {
			return r, flagErr(b.flag, b.v, err)
		}
	}
	for _, n := range []struct {
		flag, v string
		dst     *int64
	}{
		{"-c, --cpu-shares", f.CPUShares, &r.CPUShares}, {"--cpu-period", f.CPUPeriod, &r.CPUPeriod},
		{"--cpu-quota", f.CPUQuota, &r.CPUQuota},
	} {
		if n.v == "" {
			continue
		}
		if *n.dst, err = strconv.ParseInt(n.v, 10, 64); err != nil {
			return r, flagErr(n.flag, n.v, err)
		}
	}
	if f.MemorySwappiness != "" {
		v, err := strconv.ParseInt(f.MemorySwappiness, 10, 64)
		if err != nil {
			return r, flagErr("--memory-swappiness", f.MemorySwappiness, err)
		}
		if v != -1 { // docker's default: the host's
			r.MemorySwappiness = &v
		}
	}
	if f.PidsLimit != "" {
		v, err := strconv.ParseInt(f.PidsLimit, 10, 64)
		if err != nil {
			return r, flagErr("--pids-limit", f.PidsLimit, err)
		}
		r.PidsLimit = &v
	}
	if f.CPUs != "" {
		if r.NanoCPUs, err = ParseCPUs(f.CPUs); err != nil {
			return r, flagErr("--cpus", f.CPUs, err)
		}
	}
	if f.BlkioWeight != "" {
		v, err := strconv.ParseUint(f.BlkioWeight, 10, 16)
		if err != nil {
			return r, flagErr("--blkio-weight", f.BlkioWeight, err)
		}
		r.BlkioWeight = uint16(v)
	}
	return r, f.parseDevices(&r)
}

func (f *ResourceFlags) parseDevices(r *Resources) error {
	for _, v := range f.BlkioWeightDevice {
		d, err := ParseWeightDevice(v)
		if err != nil {
			return flagErr("--blkio-weight-device", v, err)
		}
		r.BlkioWeightDevice = append(r.BlkioWeightDevice, d)
	}
	for _, t := range []struct {
		flag string
		vs   []string
		iops bool
		dst  *[]ThrottleDevice
	}{
		{"--device-read-bps", f.DeviceReadBps, false, &r.BlkioDeviceReadBps},
		{"--device-write-bps", f.DeviceWriteBps, false, &r.BlkioDeviceWriteBps},
		{"--device-read-iops", f.DeviceReadIOps, true, &r.BlkioDeviceReadIOps},
		{"--device-write-iops", f.DeviceWriteIOps, true, &r.BlkioDeviceWriteIOps},
	} {
		for _, v := range t.vs {
			d, err := ParseThrottleDevice(v, t.iops)
			if err != nil {
				return flagErr(t.flag, v, err)
			}
			*t.dst = append(*t.dst, d)
		}
	}
	return nil
}

// ParseCPUs parses --cpus, a decimal number of CPUs, into nano CPUs.
func ParseCPUs(v string) (int64, error) {
	cpu, ok := new(big.Rat).SetString(v)
	if !ok {
		return 0, fmt.Errorf("failed to parse %v as a rational number", v)
	}
	nano := cpu.Mul(cpu, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return 0, fmt.Errorf("value is too precise")
	}
	return nano.Num().Int64(), nil
}

// ParseWeightDevice parses DEVICE:WEIGHT (--blkio-weight-device).
func ParseWeightDevice(v string) (WeightDevice, error) {
	path, w, ok := strings.Cut(v, ":")
	if !ok || path == "" {
		return WeightDevice{}, fmt.Errorf("bad format: %s", v)
	}
	if !strings.HasPrefix(path, "/dev/") {
		return WeightDevice{}, fmt.Errorf("bad format for device path: %s", v)
	}
	n, err := strconv.ParseUint(w, 10, 16)
	if err != nil || (n > 0 && (n < 10 || n > 1000)) {
		return WeightDevice{}, fmt.Errorf("invalid weight for device: %s", v)
	}
	return WeightDevice{Path: path, Weight: uint16(n)}, nil
}

// ParseThrottleDevice parses DEVICE:RATE, a rate in bytes per second with
// an optional kb/mb/gb unit, or in operations per second (iops).
func ParseThrottleDevice(v string, iops bool) (ThrottleDevice, error) {
	path, rate, ok := strings.Cut(v, ":")
	if !ok || path == "" {
		return ThrottleDevice{}, fmt.Errorf("bad format: %s", v)
	}
	if !strings.HasPrefix(path, "/dev/") {
		return ThrottleDevice{}, fmt.Errorf("bad format for device path: %s", v)
	}
	if iops {
		n, err := strconv.ParseUint(rate, 10, 64)
		if err != nil {
			return ThrottleDevice{}, fmt.Errorf("invalid rate for device: %s. The correct format is <device-path>:<number>. Number must be a positive integer", v)
		}
		return ThrottleDevice{Path: path, Rate: n}, nil
	}
	n, err := units.RAMInBytes(rate)
	if err != nil || n < 0 {
		return ThrottleDevice{}, fmt.Errorf("invalid rate for device: %s. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb", v)
	}
	return ThrottleDevice{Path: path, Rate: uint64(n)}, nil
}

// Host is what the machine offers, for ValidateResources.
type Host struct {
	NumCPU int
	// CPUs and Mems are the CPUs and memory nodes containers may use
	// ("0-3", "0").
	CPUs, Mems string
	// V2 is a cgroup v2 host (no swappiness, no OOM-killer switch).
	V2 bool
	// Swap, BlkioWeight and BlkioThrottle say whether the kernel offers
	// swap limits, I/O weights and I/O throttling.
	Swap, BlkioWeight, BlkioThrottle bool
}

// Minimums and bounds of docker's.
const (
	MinMemory    = 6 << 20
	minCPUShares = 2
	maxCPUShares = 262144
	// DefaultCPUPeriod is the CFS period --cpus sets, in microseconds.
	DefaultCPUPeriod = 100000
)

// ValidateResources checks r as docker's daemon does and normalises it:
// the default swap is twice the memory, a pids limit of 0 or less means
// none, and what the host cannot do is dropped with a warning (docker's
// words, returned for the caller to print).
func ValidateResources(r *Resources, h Host) (warnings []string, err error) {
	warnings, err = validateMemory(r, h)
	if err != nil {
		return nil, err
	}
	w, err := validateCPU(r, h)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, w...)
	if r.PidsLimit != nil && *r.PidsLimit <= 0 {
		r.PidsLimit = nil
	}
	w, err = validateBlkio(r, h)
	return append(warnings, w...), err
}

func validateMemory(r *Resources, h Host) (warnings []string, err error) {
	if r.KernelMemory != 0 {
		warnings = append(warnings, "Specifying a kernel memory limit is deprecated and the limit is ignored.")
		r.KernelMemory = 0
	}
	switch {
	case r.Memory != 0 && r.Memory < MinMemory:
		return nil, errdefs.Invalid("Minimum memory limit allowed is 6MB")
	case r.Memory > 0 && r.MemorySwap > 0 && r.MemorySwap < r.Memory:
		return nil, errdefs.Invalid("Minimum memoryswap limit should be larger than memory limit, see usage")
	case r.Memory == 0 && r.MemorySwap > 0:
		return nil, errdefs.Invalid("You should always set the Memory limit when using Memoryswap limit, see usage")
	case r.MemoryReservation != 0 && r.MemoryReservation < MinMemory:
		return nil, errdefs.Invalid("Minimum memory reservation allowed is 6MB")
	case r.Memory > 0 && r.MemoryReservation > 0 && r.Memory < r.MemoryReservation:
		return nil, errdefs.Invalid("Minimum memory limit can not be less than memory reservation limit, see usage")
	case r.MemorySwappiness != nil && (*r.MemorySwappiness < 0 || *r.MemorySwappiness > 100):
		return nil, errdefs.Invalid("Invalid value: %d, valid memory swappiness range is 0-100", *r.MemorySwappiness)
	}
	if r.Memory > 0 && r.MemorySwap == 0 {
		r.MemorySwap = 2 * r.Memory // docker's default: as much swap as memory
	}
	if r.Memory > 0 && r.MemorySwap != -1 && !h.Swap {
		warnings = append(warnings, "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.")
		r.MemorySwap = -1
	}
	if r.MemorySwappiness != nil && h.V2 {
		warnings = append(warnings, "Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.")
		r.MemorySwappiness = nil
	}
	if r.OomKillDisable != nil && *r.OomKillDisable {
		if h.V2 {
			warnings = append(warnings, "Your kernel does not support OomKillDisable. OomKillDisable discarded.")
			r.OomKillDisable = nil
		} else if r.Memory == 0 {
			warnings = append(warnings, "OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.")
		}
	}
	return warnings, nil
}

func validateCPU(r *Resources, h Host) (warnings []string, err error) {
	switch {
	case r.NanoCPUs > 0 && r.CPUPeriod > 0:
		return nil, errdefs.Invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set")
	case r.NanoCPUs > 0 && r.CPUQuota > 0:
		return nil, errdefs.Invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set")
	case r.NanoCPUs < 0 || r.NanoCPUs > int64(h.NumCPU)*1e9:
		return nil, errdefs.Invalid("range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", h.NumCPU, h.NumCPU)
	case r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000):
		return nil, errdefs.Invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
	case r.CPUQuota > 0 && r.CPUQuota < 1000:
		return nil, errdefs.Invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)")
	}
	if r.CPUShares > 0 && r.CPUShares < minCPUShares {
		warnings = append(warnings, fmt.Sprintf("Changing requested CPUShares of %d to minimum allowed of %d", r.CPUShares, minCPUShares))
		r.CPUShares = minCPUShares
	}
	if r.CPUShares > maxCPUShares {
		warnings = append(warnings, fmt.Sprintf("Changing requested CPUShares of %d to maximum allowed of %d", r.CPUShares, maxCPUShares))
		r.CPUShares = maxCPUShares
	}
	if err := checkSet(r.CpusetCpus, h.CPUs, "cpus", "CPUs"); err != nil {
		return nil, err
	}
	return warnings, checkSet(r.CpusetMems, h.Mems, "mems", "memory nodes")
}

// checkSet checks a cpuset list against what the host offers.
func checkSet(want, avail, kind, what string) error {
	if want == "" {
		return nil
	}
	w, err := ParseSet(want)
	if errors.Is(err, errSetRange) {
		return errdefs.Invalid("Invalid value %s for cpuset %s: %v", want, kind, err)
	}
	if err != nil {
		return errdefs.Invalid("Invalid value %s for cpuset %s", want, kind)
	}
	a, _ := ParseSet(avail)
	for n := range w {
		if !a[n] {
			return errdefs.Invalid("Requested %s are not available - requested %s, available: %s", what, want, avail)
		}
	}
	return nil
}

// maxSetIndex is the largest CPU or memory node number a list may name:
// 8192 is the most CPUs a Linux kernel is built for (NR_CPUS with
// MAXSMP), and no machine has more memory nodes. Without a bound a range
// such as 0-8000000000 would take the parser minutes and gigabytes.
const maxSetIndex = 8192

var errSetRange = fmt.Errorf("out of range: the largest number a list may hold is %d", maxSetIndex)

// ParseSet parses a kernel list such as "0-2,4" (cpuset.cpus).
func ParseSet(s string) (map[int]bool, error) {
	out := map[int]bool{}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("invalid list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("invalid list %q", s)
			}
		}
		if b > maxSetIndex {
			return nil, fmt.Errorf("%d is %w", b, errSetRange)
		}
		for i := a; i <= b; i++ {
			out[i] = true
		}
	}
	return out, nil
}

func validateBlkio(r *Resources, h Host) (warnings []string, err error) {
	if r.BlkioWeight > 0 && (r.BlkioWeight < 10 || r.BlkioWeight > 1000) {
		return nil, errdefs.Invalid("Range of blkio weight is from 10 to 1000")
	}
	for _, d := range r.BlkioWeightDevice {
		if _, _, err := BlockDevice(d.Path); err != nil {
			return nil, err
		}
	}
	for _, list := range [][]ThrottleDevice{r.BlkioDeviceReadBps, r.BlkioDeviceWriteBps, r.BlkioDeviceReadIOps, r.BlkioDeviceWriteIOps} {
		for _, d := range list {
			if _, _, err := BlockDevice(d.Path); err != nil {
				return nil, err
			}
		}
	}
	if !h.BlkioWeight {
		if r.BlkioWeight > 0 {
			warnings = append(warnings, "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
			r.BlkioWeight = 0
		}
		if len(r.BlkioWeightDevice) > 0 {
			warnings = append(warnings, "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.")
			r.BlkioWeightDevice = nil
		}
	}
	if !h.BlkioThrottle && len(r.BlkioDeviceReadBps)+len(r.BlkioDeviceWriteBps)+len(r.BlkioDeviceReadIOps)+len(r.BlkioDeviceWriteIOps) > 0 {
		warnings = append(warnings, "Your kernel does not support Block I/O throttling or the cgroup is not mounted. Block I/O limits discarded.")
		r.BlkioDeviceReadBps, r.BlkioDeviceWriteBps, r.BlkioDeviceReadIOps, r.BlkioDeviceWriteIOps = nil, nil, nil, nil
	}
	return warnings, nil
}

// BlockDevice returns the numbers of a block device node.
func BlockDevice(path string) (major, minor int64, err error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, 0, errdefs.Invalid("%v", &os.PathError{Op: "stat", Path: path, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return 0, 0, errdefs.Invalid("%s is not a block device", path)
	}
	return int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev)), nil
}

// LinuxResources is r in the OCI spec's terms (nil when r sets no
// limit), as docker's daemon writes it.
func LinuxResources(r *Resources) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	any := false
	if r.Memory != 0 || r.MemorySwap != 0 || r.MemoryReservation != 0 || r.MemorySwappiness != nil || r.OomKillDisable != nil {
		m := &specs.LinuxMemory{}
		if r.Memory != 0 {
			m.Limit = &r.Memory
		}
		if r.MemorySwap != 0 {
			m.Swap = &r.MemorySwap
		}
		if r.MemoryReservation != 0 {
			m.Reservation = &r.MemoryReservation
		}
		if r.MemorySwappiness != nil {
			s := uint64(*r.MemorySwappiness)
			m.Swappiness = &s
		}
		m.DisableOOMKiller = r.OomKillDisable
		out.Memory, any = m, true
	}
	if r.NanoCPUs != 0 || r.CPUShares != 0 || r.CPUPeriod != 0 || r.CPUQuota != 0 || r.CpusetCpus != "" || r.CpusetMems != "" {
		c := &specs.LinuxCPU{Cpus: r.CpusetCpus, Mems: r.CpusetMems}
		if r.CPUShares != 0 {
			s := uint64(r.CPUShares)
			c.Shares = &s
		}
		if r.NanoCPUs > 0 {
			period, quota := uint64(DefaultCPUPeriod), r.NanoCPUs*DefaultCPUPeriod/1e9
			c.Period, c.Quota = &period, &quota
		}
		if r.CPUPeriod != 0 {
			p := uint64(r.CPUPeriod)
			c.Period = &p
		}
		if r.CPUQuota != 0 {
			c.Quota = &r.CPUQuota
		}
		out.CPU, any = c, true
	}
	if r.PidsLimit != nil && *r.PidsLimit > 0 {
		out.Pids, any = &specs.LinuxPids{Limit: r.PidsLimit}, true
	}
	if b := blockIO(r); b != nil {
		out.BlockIO, any = b, true
	}
	if !any {
		return nil
	}
	return out
}

func blockIO(r *Resources) *specs.LinuxBlockIO {
	b := &specs.LinuxBlockIO{}
	any := false
	if r.BlkioWeight != 0 {
		b.Weight, any = &r.BlkioWeight, true
	}
	for _, d := range r.BlkioWeightDevice {
		major, minor, err := BlockDevice(d.Path)
		if err != nil {
			continue // validated at create; gone since
		}
		w := d.Weight
		wd := specs.LinuxWeightDevice{Weight: &w}
		wd.Major, wd.Minor = major, minor
		b.WeightDevice, any = append(b.WeightDevice, wd), true
	}
	for _, t := range []struct {
		in  []ThrottleDevice
		out *[]specs.LinuxThrottleDevice
	}{
		{r.BlkioDeviceReadBps, &b.ThrottleReadBpsDevice}, {r.BlkioDeviceWriteBps, &b.ThrottleWriteBpsDevice},
		{r.BlkioDeviceReadIOps, &b.ThrottleReadIOPSDevice}, {r.BlkioDeviceWriteIOps, &b.ThrottleWriteIOPSDevice},
	} {
		for _, d := range t.in {
			major, minor, err := BlockDevice(d.Path)
			if err != nil {
				continue
			}
			td := specs.LinuxThrottleDevice{Rate: d.Rate}
			td.Major, td.Minor = major, minor
			*t.out, any = append(*t.out, td), true
		}
	}
	if !any {
		return nil
	}
	return b
}

// UpdateResources applies an update's values to cur as docker's update
// does: what u sets replaces cur's (a pids limit of 0 or less, or a swap
// of -1, lifts the limit), the rest stays.
func UpdateResources(cur, u *Resources) (Resources, error) {
	out := *cur
	if u.NanoCPUs != 0 && (cur.CPUQuota != 0 || cur.CPUPeriod != 0) && u.CPUQuota == 0 && u.CPUPeriod == 0 {
		return out, errdefs.Invalid("Conflicting options: Nano CPUs cannot be updated as CPU Period or Quota has already been set")
	}
	if (u.CPUQuota != 0 || u.CPUPeriod != 0) && cur.NanoCPUs != 0 && u.NanoCPUs == 0 {
		return out, errdefs.Invalid("Conflicting options: CPU Quota or Period cannot be updated as NanoCPUs has already been set")
	}
	if u.Memory != 0 {
		if u.MemorySwap == 0 && cur.MemorySwap > 0 && u.Memory > cur.MemorySwap {
			return out, errdefs.Invalid("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
		}
		out.Memory = u.Memory
	}
	set64 := func(dst *int64, v int64) {
		if v != 0 {
			*dst = v
		}
	}
	set64(&out.MemorySwap, u.MemorySwap)
	set64(&out.MemoryReservation, u.MemoryReservation)
	set64(&out.NanoCPUs, u.NanoCPUs)
	set64(&out.CPUShares, u.CPUShares)
	set64(&out.CPUPeriod, u.CPUPeriod)
	set64(&out.CPUQuota, u.CPUQuota)
	if u.CpusetCpus != "" {
		out.CpusetCpus = u.CpusetCpus
	}
	if u.CpusetMems != "" {
		out.CpusetMems = u.CpusetMems
	}
	if u.PidsLimit != nil {
		out.PidsLimit = u.PidsLimit
	}
	if u.BlkioWeight != 0 {
		out.BlkioWeight = u.BlkioWeight
	}
	// accepted and ignored, as at create: ValidateResources warns
	out.KernelMemory = u.KernelMemory
	return out, nil
}
