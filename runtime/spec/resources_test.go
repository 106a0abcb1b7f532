package spec

import (
	"strings"
	"testing"
)

func TestParseResourceFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    ResourceFlags
		want func(r Resources) bool
		err  string
	}{
		{f: ResourceFlags{Memory: "512m"}, want: func(r Resources) bool { return r.Memory == 512<<20 }},
		{f: ResourceFlags{Memory: "12q"}, err: `invalid argument "12q" for "-m, --memory" flag`},
		{f: ResourceFlags{MemorySwap: "-1"}, want: func(r Resources) bool { return r.MemorySwap == -1 }},
		{f: ResourceFlags{CPUs: "1.5"}, want: func(r Resources) bool { return r.NanoCPUs == 1500000000 }},
		{f: ResourceFlags{CPUs: "0.0000000001"}, err: "value is too precise"},
		{f: ResourceFlags{CPUs: "x"}, err: `invalid argument "x" for "--cpus" flag: failed to parse x as a rational number`},
		{f: ResourceFlags{PidsLimit: "20"}, want: func(r Resources) bool { return *r.PidsLimit == 20 }},
		{f: ResourceFlags{MemorySwappiness: "-1"}, want: func(r Resources) bool { return r.MemorySwappiness == nil }},
		{f: ResourceFlags{BlkioWeight: "70000"}, err: `for "--blkio-weight" flag`},
		{f: ResourceFlags{DeviceReadBps: []string{"/dev/sda:1mb"}}, want: func(r Resources) bool { return r.BlkioDeviceReadBps[0].Rate == 1<<20 }},
		{f: ResourceFlags{DeviceWriteIOps: []string{"/dev/sda:1k"}}, err: "invalid rate for device: /dev/sda:1k. The correct format is <device-path>:<number>. Number must be a positive integer"},
		{f: ResourceFlags{BlkioWeightDevice: []string{"/dev/sda"}}, err: "bad format: /dev/sda"},
		{f: ResourceFlags{BlkioWeightDevice: []string{"/dev/sda:5"}}, err: "invalid weight for device: /dev/sda:5"},
		{f: ResourceFlags{DeviceReadBps: []string{"sda:1"}}, err: "bad format for device path: sda:1"},
	} {
		r, err := tc.f.Parse()
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%+v: error %v, want %q", tc.f, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%+v: %v", tc.f, err)
		case tc.err == "" && !tc.want(r):
			t.Errorf("%+v: got %+v", tc.f, r)
		}
	}
}

func TestValidateResources(t *testing.T) {
	t.Parallel()
	host := Host{NumCPU: 2, CPUs: "0-1", Mems: "0", Swap: true, BlkioThrottle: true}
	i64 := func(v int64) *int64 { return &v }
	yes := true
	for _, tc := range []struct {
		name string
		r    Resources
		h    Host
		err  string
		warn string
		want func(r Resources) bool
	}{
		{name: "default swap", r: Resources{Memory: 32 << 20}, want: func(r Resources) bool { return r.MemorySwap == 64<<20 }},
		{name: "no swap accounting", r: Resources{Memory: 32 << 20}, h: Host{NumCPU: 2}, warn: "Memory limited without swap",
			want: func(r Resources) bool { return r.MemorySwap == -1 }},
		{name: "below minimum", r: Resources{Memory: 4 << 20}, err: "Minimum memory limit allowed is 6MB"},
		{name: "swap without memory", r: Resources{MemorySwap: 64 << 20}, err: "You should always set the Memory limit when using Memoryswap limit, see usage"},
		{name: "swap below memory", r: Resources{Memory: 64 << 20, MemorySwap: 32 << 20}, err: "Minimum memoryswap limit should be larger than memory limit, see usage"},
		{name: "reservation above", r: Resources{Memory: 64 << 20, MemoryReservation: 128 << 20}, err: "Minimum memory limit can not be less than memory reservation limit, see usage"},
		{name: "too many cpus", r: Resources{NanoCPUs: 3e9}, err: "range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"},
		{name: "cpus and quota", r: Resources{NanoCPUs: 1e9, CPUQuota: 5000}, err: "Conflicting options: Nano CPUs and CPU Quota cannot both be set"},
		{name: "cpuset outside", r: Resources{CpusetCpus: "0-3"}, err: "Requested CPUs are not available - requested 0-3, available: 0-1"},
		{name: "cpuset bad", r: Resources{CpusetMems: "a"}, err: "Invalid value a for cpuset mems"},
		{name: "pids unlimited", r: Resources{PidsLimit: i64(-1)}, want: func(r Resources) bool { return r.PidsLimit == nil }},
		{name: "shares clamped", r: Resources{CPUShares: 1}, warn: "Changing requested CPUShares of 1 to minimum allowed of 2",
			want: func(r Resources) bool { return r.CPUShares == 2 }},
		{name: "oom on v2", r: Resources{Memory: 32 << 20, OomKillDisable: &yes}, h: Host{NumCPU: 2, V2: true, Swap: true},
			warn: "OomKillDisable discarded", want: func(r Resources) bool { return r.OomKillDisable == nil }},
		{name: "swappiness on v2", r: Resources{MemorySwappiness: i64(10)}, h: Host{NumCPU: 2, V2: true},
			warn: "Memory swappiness discarded", want: func(r Resources) bool { return r.MemorySwappiness == nil }},
		{name: "missing device", r: Resources{BlkioDeviceReadBps: []ThrottleDevice{{Path: "/dev/nonexistent-skiff", Rate: 1}}},
			err: "stat /dev/nonexistent-skiff: no such file or directory"},
		{name: "blkio weight range", r: Resources{BlkioWeight: 5}, err: "Range of blkio weight is from 10 to 1000"},
	} {
		h := tc.h
		if h.NumCPU == 0 {
			h = host
		}
		r := tc.r
		warnings, err := ValidateResources(&r, h)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.warn != "" && !strings.Contains(strings.Join(warnings, "\n"), tc.warn):
			t.Errorf("%s: warnings %q, want %q", tc.name, warnings, tc.warn)
		case tc.want != nil && !tc.want(r):
			t.Errorf("%s: got %+v", tc.name, r)
		}
	}
}

func TestLinuxResources(t *testing.T) {
	t.Parallel()
	if LinuxResources(&Resources{}) != nil {
		t.Error("no limits should give no resources")
	}
	pids := int64(20)
	lr := LinuxResources(&Resources{Memory: 32 << 20, MemorySwap: 64 << 20, NanoCPUs: 5e8, PidsLimit: &pids, CPUShares: 512})
	if *lr.Memory.Limit != 32<<20 || *lr.Memory.Swap != 64<<20 || *lr.CPU.Quota != 50000 || *lr.CPU.Period != 100000 ||
		*lr.Pids.Limit != 20 || *lr.CPU.Shares != 512 {
		t.Errorf("got %+v %+v %+v", lr.Memory, lr.CPU, lr.Pids)
	}
}

func TestUpdateResources(t *testing.T) {
	t.Parallel()
	cur := Resources{Memory: 32 << 20, MemorySwap: 64 << 20, NanoCPUs: 1e9}
	if _, err := UpdateResources(&cur, &Resources{Memory: 128 << 20}); err == nil ||
		!strings.Contains(err.Error(), "Memory limit should be smaller than already set memoryswap limit") {
		t.Errorf("memory above swap: %v", err)
	}
	if _, err := UpdateResources(&cur, &Resources{CPUQuota: 5000}); err == nil {
		t.Error("quota over nano cpus should conflict")
	}
	neg := int64(-1)
	got, err := UpdateResources(&cur, &Resources{Memory: 48 << 20, PidsLimit: &neg})
	if err != nil || got.Memory != 48<<20 || got.MemorySwap != 64<<20 || got.NanoCPUs != 1e9 || *got.PidsLimit != -1 {
		t.Errorf("got %+v, %v", got, err)
	}
	// update --kernel-memory reaches ValidateResources, which warns and drops it
	got, err = UpdateResources(&cur, &Resources{KernelMemory: 10 << 20})
	if err != nil || got.KernelMemory != 10<<20 || got.Memory != cur.Memory {
		t.Errorf("kernel memory: got %+v, %v", got, err)
	}
	w, err := ValidateResources(&got, Host{NumCPU: 2, Swap: true})
	if err != nil || got.KernelMemory != 0 || !strings.Contains(strings.Join(w, "\n"), "kernel memory limit is deprecated") {
		t.Errorf("kernel memory: warnings %q, %v, %+v", w, err, got)
	}
}
