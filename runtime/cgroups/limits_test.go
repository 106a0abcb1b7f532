package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestToLib(t *testing.T) {
	t.Parallel()
	lim, swap, quota, period, pids := int64(32<<20), int64(64<<20), int64(50000), uint64(100000), int64(20)
	r := toLib(&specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &lim, Swap: &swap},
		CPU:    &specs.LinuxCPU{Quota: &quota, Period: &period, Cpus: "0"},
		Pids:   &specs.LinuxPids{Limit: &pids},
	})
	if r.Memory != lim || r.MemorySwap != swap || r.CpuQuota != quota || r.CpuPeriod != period || *r.PidsLimit != 20 || r.CpusetCpus != "0" || !r.SkipDevices {
		t.Errorf("toLib = %+v", r)
	}
	// cpu shares become v2's cpu.weight too (fs2 writes only the weight)
	for _, c := range []struct{ shares, weight uint64 }{{0, 0}, {2, 1}, {256, 35}, {512, 59}, {1024, 100}, {262144, 10000}} {
		if r := toLib(&specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: &c.shares}}); r.CpuShares != c.shares || r.CpuWeight != c.weight {
			t.Errorf("shares %d: CpuShares %d, CpuWeight %d, want %d", c.shares, r.CpuShares, r.CpuWeight, c.weight)
		}
	}
	if r := toLib(nil); r.PidsLimit == nil || *r.PidsLimit != -1 {
		t.Errorf("no limits must lift the pids limit (update): %+v", r)
	}
}

func TestKeyValue(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "memory.events")
	if err := os.WriteFile(p, []byte("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, ok := keyValue(p, "oom_kill"); !ok || n != 1 {
		t.Errorf("oom_kill = %d, %v", n, ok)
	}
	if _, ok := keyValue(p, "nosuch"); ok {
		t.Error("a missing key was found")
	}
}

// BenchmarkCreate measures what a start with limits spends on its cgroup
// beyond joining it: placing, creating the directories and writing the
// limits (the library), then removing them; and the same directories and
// files written by hand, for comparison. It needs root (a v1 host or the
// v2 root) and uses skiff's own parent.
func BenchmarkCreate(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	lim, swap, quota, period, pids := int64(64<<20), int64(128<<20), int64(50000), uint64(100000), int64(100)
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &lim, Swap: &swap},
		CPU:    &specs.LinuxCPU{Quota: &quota, Period: &period},
		Pids:   &specs.LinuxPids{Limit: &pids},
	}
	b.Run("library", func(b *testing.B) {
		for i := range b.N {
			cg, err := Place(fmt.Sprintf("bench-%d-%d", os.Getpid(), i), "", r)
			if err != nil {
				b.Skip(err)
			}
			if err := cg.Create(r); err != nil {
				b.Fatal(err)
			}
			cg.Remove()
		}
	})
	b.Run("by-hand", func(b *testing.B) {
		for i := range b.N {
			cg, err := Place(fmt.Sprintf("bench-%d-%d", os.Getpid(), i), "", r)
			if err != nil {
				b.Skip(err)
			}
			for ctrl, d := range cg.Paths {
				if err := os.MkdirAll(d, 0o755); err != nil {
					b.Fatal(err)
				}
				files := map[string][][2]string{
					"memory": {{"memory.limit_in_bytes", strconv.FormatInt(lim, 10)}, {"memory.memsw.limit_in_bytes", strconv.FormatInt(swap, 10)}},
					"cpu":    {{"cpu.cfs_period_us", "100000"}, {"cpu.cfs_quota_us", "50000"}},
					"pids":   {{"pids.max", "100"}},
					"":       {{"memory.max", strconv.FormatInt(lim, 10)}, {"cpu.max", "50000 100000"}, {"pids.max", "100"}},
				}[ctrl]
				for _, f := range files {
					if err := os.WriteFile(filepath.Join(d, f[0]), []byte(f[1]), 0); err != nil {
						b.Fatal(err)
					}
				}
			}
			cg.Remove()
		}
	})
}
