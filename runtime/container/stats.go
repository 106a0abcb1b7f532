package container

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/cgroups"
)

// Stats is one sample of a container's resource use, in docker's terms.
type Stats struct {
	ID, Name    string
	Read        time.Time
	CPUTicks    uint64 // user+system time of all its processes, in clock ticks
	SystemTicks uint64 // the host's total CPU time, in clock ticks
	OnlineCPUs  int
	MemUsage    uint64 // proportional resident memory of its processes
	MemLimit    uint64
	NetRx       uint64
	NetTx       uint64
	BlockRead   uint64
	BlockWrite  uint64
	Pids        uint64 // tasks (threads) in the container
}

// CPUPercent is docker's CPU % between two samples of one container.
func CPUPercent(prev, cur *Stats) float64 {
	if prev == nil || cur.SystemTicks <= prev.SystemTicks || cur.CPUTicks < prev.CPUTicks {
		return 0
	}
	return float64(cur.CPUTicks-prev.CPUTicks) / float64(cur.SystemTicks-prev.SystemTicks) * float64(cur.OnlineCPUs) * 100
}

// Sample reads the resource use of a running container: from its cgroup
// when it has one (a container with limits: usage against the limit),
// else from /proc (the processes in its pid namespace), which works
// everywhere, rootless on cgroup v1 included; the network counters come
// from its network namespace.
func (c *Container) Sample() (*Stats, error) {
	st := &Stats{ID: c.ID, Name: c.Name, Read: time.Now().UTC(), OnlineCPUs: onlineCPUs()}
	st.SystemTicks = systemTicks()
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		st.MemLimit = uint64(si.Totalram) * uint64(si.Unit)
	}
	if !c.State.Running() || c.State.Pid == 0 {
		return st, nil
	}
	if !st.fromCgroup(c.cgroup()) {
		pids, err := c.processes()
		if err != nil {
			return st, nil // it just ended
		}
		for pid := range pids {
			st.addProcess("/proc/"+strconv.Itoa(pid), pid == c.State.Pid)
		}
	}
	st.NetRx, st.NetTx = netCounters("/proc/" + strconv.Itoa(c.State.Pid) + "/net/dev")
	return st, nil
}

// fromCgroup reads the counters of the container's cgroup, if it has one.
func (st *Stats) fromCgroup(cg *cgroups.Cgroup) bool {
	if cg == nil {
		return false
	}
	u, err := cg.Usage()
	if err != nil {
		return false
	}
	st.CPUTicks = u.CPUNanos / (1e9 / clockTicks)
	st.MemUsage, st.Pids = u.Memory, u.Pids
	st.BlockRead, st.BlockWrite = u.BlockRead, u.BlockWrite
	if u.MemoryLimit > 0 && u.MemoryLimit < st.MemLimit {
		st.MemLimit = u.MemoryLimit
	}
	return true
}

// clockTicks is USER_HZ, the unit of /proc's CPU times.
const clockTicks = 100

// addProcess adds one process's CPU time, memory, I/O and threads.
func (st *Stats) addProcess(dir string, init bool) {
	if b, err := os.ReadFile(dir + "/stat"); err == nil {
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			// fields after comm: [0]=state ... utime=[11] stime=[12] cutime=[13] cstime=[14] threads=[17]
			if len(f) > 17 {
				for _, k := range []int{11, 12} {
					v, _ := strconv.ParseUint(f[k], 10, 64)
					st.CPUTicks += v
				}
				if init { // what its reaped children used counts too
					for _, k := range []int{13, 14} {
						v, _ := strconv.ParseUint(f[k], 10, 64)
						st.CPUTicks += v
					}
				}
				t, _ := strconv.ParseUint(f[17], 10, 64)
				st.Pids += t
			}
		}
	}
	st.MemUsage += fieldKB(dir+"/smaps_rollup", "Pss:")
	st.BlockRead += field(dir+"/io", "read_bytes:")
	st.BlockWrite += field(dir+"/io", "write_bytes:")
}

func fieldKB(path, key string) uint64 { return field(path, key) * 1024 }

// field returns the number after key in a "key value" file.
func field(path, key string) uint64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			v, _ := strconv.ParseUint(strings.Fields(rest)[0], 10, 64)
			return v
		}
	}
	return 0
}

// netCounters sums received and sent bytes of all interfaces but lo.
func netCounters(path string) (rx, tx uint64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(f[0], 10, 64)
		t, _ := strconv.ParseUint(f[8], 10, 64)
		rx += r
		tx += t
	}
	return rx, tx
}

// systemTicks is the host's total CPU time from /proc/stat.
func systemTicks() uint64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var total uint64
	for _, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
	}
	return total
}

func onlineCPUs() int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil {
		return set.Count()
	}
	m, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*")
	return len(m)
}
