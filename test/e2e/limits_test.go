package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/go-units"
	"golang.org/x/sys/unix"
)

// Resource limits: the limit tests run as root on a cgroup v1 host, and
// as root and rootless (delegated subtree) on cgroup v2 (make test-vm).
// They read the container's cgroup from the host through
// /proc/PID/cgroup, whichever version and place it has.

// cgroupFile is the path of a cgroup file of a process: on v1 in the
// hierarchy of the file's controller, on v2 in its one cgroup.
func cgroupFile(t *testing.T, pid, file string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	ctrl, _, _ := strings.Cut(file, ".")
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" && cgroupV2() {
			return filepath.Join("/sys/fs/cgroup", parts[2], file)
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == ctrl {
				return filepath.Join("/sys/fs/cgroup", ctrl, parts[2], file)
			}
		}
	}
	t.Fatalf("process %s is in no %s cgroup:\n%s", pid, ctrl, b)
	return ""
}

func readCgroup(t *testing.T, pid, file string) string {
	t.Helper()
	b, err := os.ReadFile(cgroupFile(t, pid, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// A container with -m 32m that allocates 64 MB is ended by the kernel's
// OOM killer: exit 137, OOMKilled, the oom event.
func TestLimitsMemoryOOM(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "--name", "hog", "--network", "none", "-m", "32m", img, "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1").
		Fail(t, 137, "")
	got := e.Skiff("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "hog").Success(t).Out()
	if got != "true 137 33554432 67108864" {
		t.Errorf("OOMKilled ExitCode Memory MemorySwap = %q, want true 137 33554432 67108864", got)
	}
	ev := e.Skiff("events", "--since", "5m", "--until", "0s", "--filter", "container=hog", "--format", "{{.Action}}").Success(t).Lines()
	if !strings.Contains(strings.Join(ev, " "), "oom die") {
		t.Errorf("events = %q, want oom before die", ev)
	}
	// Within the limit the same command works, and OOMKilled is false.
	e.Skiff("run", "--name", "fits", "--network", "none", "-m", "32m", img, "dd", "if=/dev/zero", "of=/dev/null", "bs=4M", "count=1").Success(t)
	if got := e.Skiff("inspect", "--format", "{{.State.OOMKilled}}", "fits").Success(t).Out(); got != "false" {
		t.Errorf("OOMKilled of a container within its limit = %s", got)
	}
}

// A container killed for OOM restarts per its restart policy, as after
// any failure.
func TestLimitsOOMRestart(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "again", "--network", "none", "--restart", "on-failure:1", "-m", "32m", img,
		"dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1").Success(t)
	waitFor(t, func() bool {
		return e.Skiff("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", "again").Out() == "exited 1"
	})
}

// --pids-limit 20 stops a fork loop; --cpus 0.5 is a CFS quota of half
// the period and holds a busy loop near 50 %; the values are docker's in
// inspect and live in the container's cgroup.
func TestLimitsPidsAndCPU(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	out := e.Skiff("run", "--rm", "--network", "none", "--pids-limit", "20", img, "sh", "-c",
		"for i in $(seq 40); do sleep 10 & echo $i; done")
	if n := len(out.Lines()); out.Code == 0 || !strings.Contains(out.Stderr, "can't fork") || n >= 20 {
		t.Errorf("a fork loop under --pids-limit 20 started %d processes: exit %d, %q", n, out.Code, out.Stderr)
	}

	e.Skiff("run", "-d", "--name", "spin", "--network", "none", "--cpus", "0.5", "--pids-limit", "20", "--cpu-shares", "512",
		img, "sh", "-c", "while :; do :; done").Success(t)
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "spin").Success(t).Out()
	if cgroupV2() {
		if got := readCgroup(t, pid, "cpu.max"); got != "50000 100000" {
			t.Errorf("cpu.max = %q, want 50000 100000", got)
		}
	} else if got := readCgroup(t, pid, "cpu.cfs_quota_us"); got != "50000" {
		t.Errorf("cpu.cfs_quota_us = %q, want 50000", got)
	}
	if got := readCgroup(t, pid, "pids.max"); got != "20" {
		t.Errorf("pids.max = %q", got)
	}
	got := e.Skiff("inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}", "spin").Success(t).Out()
	if got != "500000000 20 512" {
		t.Errorf("NanoCpus PidsLimit CpuShares = %q", got)
	}
	// The measured share of a busy loop: the cgroup's CPU time against
	// the clock (in a VM the guest's tick counts that stats divides by are
	// not reliable; the kernel's CPU time and clock are). A busy machine
	// may give it less than its half, never more.
	t0, u0 := time.Now(), cpuNanos(t, pid)
	time.Sleep(2 * time.Second)
	share := float64(cpuNanos(t, pid)-u0) / float64(time.Since(t0).Nanoseconds())
	if share <= 0 || share > 0.6 {
		t.Errorf("a busy loop under --cpus 0.5 used %.2f of a CPU", share)
	}
	perc := e.Skiff("stats", "--no-stream", "--format", "{{.CPUPerc}}", "spin").Success(t).Out()
	if cpu, err := strconv.ParseFloat(strings.TrimSuffix(perc, "%"), 64); err != nil || cpu <= 1 {
		t.Errorf("stats of a busy loop: CPU %s", perc)
	}
}

// cpuNanos is the CPU time of a process's cgroup.
func cpuNanos(t *testing.T, pid string) int64 {
	t.Helper()
	if !cgroupV2() {
		n, err := strconv.ParseInt(readCgroup(t, pid, "cpuacct.usage"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, l := range strings.Split(readCgroup(t, pid, "cpu.stat"), "\n") {
		if v, ok := strings.CutPrefix(l, "usage_usec "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n * 1000
		}
	}
	t.Fatal("no usage_usec in cpu.stat")
	return 0
}

// stats shows real usage against the memory limit (16 MB held in a
// tmpfs of a container with -m 64m, read from its cgroup), or against the
// host's memory without a limit, with docker's fields and --no-trunc.
func TestLimitsStats(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--name", "capped", "--network", "none", "-m", "64m", img, "sh", "-c",
		"dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null && touch /tmp/filled && exec sleep 300").Success(t).Out()
	e.Skiff("run", "-d", "--name", "free", "--network", "none", img, "sleep", "300").Success(t)
	waitFor(t, func() bool { return e.Skiff("exec", "capped", "test", "-e", "/tmp/filled").Code == 0 })
	rows := e.Skiff("stats", "--no-stream", "--no-trunc", "--format", "{{.Name}}|{{.ID}}|{{.MemUsage}}|{{.MemPerc}}|{{.PIDs}}|{{.NetIO}}|{{.BlockIO}}").Success(t).Lines()
	got := map[string][]string{}
	for _, r := range rows {
		f := strings.Split(r, "|")
		got[f[0]] = f
	}
	capped, free := got["capped"], got["free"]
	if len(capped) != 7 || len(free) != 7 {
		t.Fatalf("stats rows: %q", rows)
	}
	if capped[1] != id {
		t.Errorf("stats --no-trunc ID = %q, want %s", capped[1], id)
	}
	used, limit, _ := strings.Cut(capped[2], " / ")
	n, err := units.RAMInBytes(used)
	if err != nil || n < 16<<20 || n > 64<<20 || limit != "64MiB" {
		t.Errorf("MemUsage of a container with -m 64m holding 16 MB = %q", capped[2])
	}
	if perc, err := strconv.ParseFloat(strings.TrimSuffix(capped[3], "%"), 64); err != nil || perc < 25 || perc > 100 {
		t.Errorf("MemPerc of 16 MB against -m 64m = %q", capped[3])
	}
	if capped[4] != "1" || capped[5] != "0B / 0B" || !regexp.MustCompile(`^[0-9.]+[kMGT]?B / [0-9.]+[kMGT]?B$`).MatchString(capped[6]) {
		t.Errorf("PIDs NetIO BlockIO = %q %q %q", capped[4], capped[5], capped[6])
	}
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	if host := units.BytesSize(float64(uint64(si.Totalram) * uint64(si.Unit))); !strings.HasSuffix(free[2], " / "+host) {
		t.Errorf("MemUsage of a container without a limit = %q, want the host's %s as its limit", free[2], host)
	}
	if short := e.Skiff("stats", "--no-stream", "--format", "{{.ID}}", "capped").Success(t).Out(); short != id[:12] {
		t.Errorf("stats ID without --no-trunc = %q", short)
	}
}

// update changes a running container's limits at once (also one started
// without any) and records them for the next start.
func TestLimitsUpdate(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--name", "live", "--network", "none", img, "sleep", "300").Success(t).Out()
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "live").Success(t).Out()
	// a start without limits makes no cgroup; nor does --kernel-memory,
	// which is ignored with docker's warning
	noCgroup := func(when string) {
		t.Helper()
		if b, _ := os.ReadFile("/proc/" + pid + "/cgroup"); strings.Contains(string(b), id) {
			t.Errorf("%s the container has a cgroup of its own:\n%s", when, b)
		}
	}
	noCgroup("started without limits,")
	if r := e.Skiff("update", "--kernel-memory", "8m", "live").Success(t); !strings.Contains(r.Stderr,
		"WARNING: Specifying a kernel memory limit is deprecated and the limit is ignored.") {
		t.Errorf("update --kernel-memory: no warning in %q", r.Stderr)
	}
	noCgroup("after update --kernel-memory,")
	e.Skiff("update", "-m", "64m", "--cpus", "0.5", "--pids-limit", "30", "live").Success(t)
	memFile, want := "memory.limit_in_bytes", "67108864"
	if cgroupV2() {
		memFile = "memory.max"
	}
	if got := readCgroup(t, pid, memFile); got != want {
		t.Errorf("%s after update = %q, want %s", memFile, got, want)
	}
	if got := readCgroup(t, pid, "pids.max"); got != "30" {
		t.Errorf("pids.max after update = %q", got)
	}
	e.Skiff("update", "--pids-limit", "-1", "live").Success(t)
	if got := readCgroup(t, pid, "pids.max"); got != "max" {
		t.Errorf("pids.max after --pids-limit -1 = %q", got)
	}
	// the other live-changeable limits (a cpuset is a new v1 hierarchy,
	// which the container's processes are moved into)
	r := e.Skiff("update", "--memory-swap", "160m", "--memory-reservation", "32m", "--cpu-shares", "256",
		"--cpuset-cpus", "0", "--cpuset-mems", "0", "--blkio-weight", "200", "live").Success(t)
	files := map[string]string{"cpuset.cpus": "0", "cpuset.mems": "0"}
	if cgroupV2() {
		files["memory.swap.max"] = "100663296"
		files["memory.low"] = "33554432"
		files["cpu.weight"] = "35" // 256 shares, mapped as runc's cgroup library does
	} else {
		files["memory.soft_limit_in_bytes"] = "33554432"
		files["cpu.shares"] = "256"
		if _, err := os.Stat(cgroupFile(t, pid, "memory.memsw.limit_in_bytes")); err == nil {
			files["memory.memsw.limit_in_bytes"] = "167772160"
		}
	}
	for file, v := range files {
		if got := readCgroup(t, pid, file); got != v {
			t.Errorf("%s after update = %q, want %q", file, got, v)
		}
	}
	weight := "200"
	if problem, ok := blkioWeight(t, pid, 200); !ok {
		weight = "0"
		if !strings.Contains(r.Stderr, "Weight discarded") {
			t.Errorf("update --blkio-weight on a kernel without a weight file: no warning in %q", r.Stderr)
		}
	} else if problem != "" {
		t.Error(problem)
	}
	fields := "{{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.CpusetMems}} {{.HostConfig.BlkioWeight}}"
	if got := e.Skiff("inspect", "--format", fields, "live").Success(t).Out(); got != "167772160 33554432 256 0 0 "+weight {
		t.Errorf("inspect %s after update = %q", fields, got)
	}
	// docker's update exits 1 when the daemon refuses
	e.Skiff("update", "-m", "256m", "live").Fail(t, 1, "Memory limit should be smaller than already set memoryswap limit")
	e.Skiff("update", "-m", "4m", "live").Fail(t, 1, "Minimum memory limit allowed is 6MB")
	e.Skiff("update", "live").Fail(t, 125, "you must provide one or more flags")

	e.Skiff("create", "--name", "later", "--network", "none", img, "sleep", "300").Success(t)
	e.Skiff("update", "-m", "48m", "later").Success(t)
	e.Skiff("start", "later").Success(t)
	pid = e.Skiff("inspect", "--format", "{{.State.Pid}}", "later").Success(t).Out()
	if got := readCgroup(t, pid, memFile); got != "50331648" {
		t.Errorf("%s of a container updated while stopped = %q", memFile, got)
	}
	if got := e.Skiff("inspect", "--format", "{{.HostConfig.Memory}}", "later").Success(t).Out(); got != "50331648" {
		t.Errorf("HostConfig.Memory = %s", got)
	}
	// the CFS period and quota (the first container has --cpus, which
	// they conflict with)
	e.Skiff("update", "--cpus", "1", "--cpu-quota", "20000", "later").Fail(t, 1, "Conflicting options: Nano CPUs and CPU Quota cannot both be set")
	e.Skiff("update", "--cpu-period", "50000", "--cpu-quota", "20000", "later").Success(t)
	if cgroupV2() {
		if got := readCgroup(t, pid, "cpu.max"); got != "20000 50000" {
			t.Errorf("cpu.max after update --cpu-period 50000 --cpu-quota 20000 = %q", got)
		}
	} else if got := readCgroup(t, pid, "cpu.cfs_period_us") + " " + readCgroup(t, pid, "cpu.cfs_quota_us"); got != "50000 20000" {
		t.Errorf("cpu.cfs_period_us and cpu.cfs_quota_us after update = %q", got)
	}
	if got := e.Skiff("inspect", "--format", "{{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}}", "later").Success(t).Out(); got != "50000 20000" {
		t.Errorf("CpuPeriod CpuQuota after update = %q", got)
	}
}

// The container sees its own cgroup as the root of its cgroup namespace.
func TestLimitsCgroupNamespace(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	out := e.Skiff("run", "--rm", "--network", "none", "-m", "64m", img, "cat", "/proc/self/cgroup").Success(t).Lines()
	for _, l := range out {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("inside the container /proc/self/cgroup has %q, want its own cgroup as /", l)
		}
	}
	if cgroupV2() {
		got := e.Skiff("run", "--rm", "--network", "none", "-m", "64m", img, "cat", "/sys/fs/cgroup/memory.max").Success(t).Out()
		if got != "67108864" {
			t.Errorf("memory.max seen inside = %q", got)
		}
	}
	// exec processes join the container's cgroup: its limits count them
	e.Skiff("run", "-d", "--name", "held", "--network", "none", "--pids-limit", "50", img, "sleep", "300").Success(t)
	for _, l := range e.Skiff("exec", "held", "cat", "/proc/self/cgroup").Success(t).Lines() {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("an exec process's /proc/self/cgroup has %q, want the container's cgroup as /", l)
		}
	}
	// pause freezes the container where its limits stay (on v2 its one
	// cgroup is its freezer too)
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "held").Success(t).Out()
	e.Skiff("pause", "held").Success(t)
	if cgroupV2() {
		if got := readCgroup(t, pid, "cgroup.freeze"); got != "1" {
			t.Errorf("cgroup.freeze of a paused container = %q", got)
		}
	} else if got := readCgroup(t, pid, "freezer.state"); got != "FROZEN" {
		t.Errorf("freezer.state of a paused container = %q", got)
	}
	if got := readCgroup(t, pid, "pids.max"); got != "50" {
		t.Errorf("pids.max of a paused container = %q: pausing moved it out of its limits", got)
	}
	e.Skiff("unpause", "held").Success(t)
}

// Removing a container removes its cgroup, also after kill -9 of its
// monitor.
func TestLimitsCgroupRemoved(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "gone", "--network", "none", "--pids-limit", "50", img, "sleep", "300").Success(t)
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "gone").Success(t).Out()
	dir := filepath.Dir(cgroupFile(t, pid, "pids.max"))
	monitor := parentPid(t, mustAtoi(t, pid))
	if err := syscall.Kill(monitor, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the container to die with its monitor", func() bool { return !alive(mustAtoi(t, pid)) })
	e.Skiff("rm", "gone").Success(t)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the cgroup %s of a removed container is still there (%v)", dir, err)
	}
	e.Skiff("run", "--name", "done", "--network", "none", "-m", "64m", img, "true").Success(t)
	e.Skiff("run", "-d", "--name", "probe", "--network", "none", "-m", "64m", img, "sleep", "300").Success(t)
	pid = e.Skiff("inspect", "--format", "{{.State.Pid}}", "probe").Success(t).Out()
	parent := filepath.Dir(filepath.Dir(cgroupFile(t, pid, "pids.max")))
	ids := e.Skiff("ps", "-aq", "--no-trunc", "--filter", "name=done").Success(t).Out()
	if _, err := os.Stat(filepath.Join(parent, ids)); !os.IsNotExist(err) {
		t.Errorf("the cgroup of an exited container is still there (%v)", err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Bad limit values get docker's message and exit 125, and leave no
// container behind (in every mode: the values are checked first).
func TestLimitsBadInput(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-m", "12q"}, `invalid argument "12q" for "-m, --memory" flag`},
		{[]string{"-m", "4m"}, "Minimum memory limit allowed is 6MB"},
		{[]string{"--memory-swap", "64m"}, "You should always set the Memory limit when using Memoryswap limit"},
		{[]string{"-m", "64m", "--memory-swap", "32m"}, "Minimum memoryswap limit should be larger than memory limit"},
		{[]string{"--cpus", "1000"}, "range of CPUs is from 0.01 to"},
		{[]string{"--cpus", "-1"}, "range of CPUs is from 0.01 to"},
		{[]string{"--cpus", "x"}, `invalid argument "x" for "--cpus" flag`},
		{[]string{"--cpuset-cpus", "1000"}, "Requested CPUs are not available - requested 1000"},
		{[]string{"--cpuset-cpus", "a-b"}, "Invalid value a-b for cpuset cpus"},
		{[]string{"--cpus", "1", "--cpu-quota", "50000"}, "Conflicting options: Nano CPUs and CPU Quota cannot both be set"},
		{[]string{"--cpu-period", "10"}, "CPU cfs period can not be less than 1ms"},
		{[]string{"--memory-swappiness", "200"}, "valid memory swappiness range is 0-100"},
		{[]string{"--blkio-weight", "5"}, "Range of blkio weight is from 10 to 1000"},
		{[]string{"--device-read-bps", "/dev/skiff-nosuch:1mb"}, "stat /dev/skiff-nosuch: no such file or directory"},
		{[]string{"--device-write-iops", "sda:10"}, "bad format for device path: sda:10"},
		{[]string{"--pids-limit", "many"}, `invalid argument "many" for "--pids-limit" flag`},
	} {
		args := append(append([]string{"run", "--rm", "--network", "none"}, tc.args...), img, "true")
		e.Skiff(args...).Fail(t, 125, tc.msg)
	}
	if got := e.Skiff("ps", "-aq").Success(t).Out(); got != "" {
		t.Errorf("containers left by refused runs: %q", got)
	}
}

// Where skiff cannot make cgroups (rootless on cgroup v1, v2 without a
// delegated subtree) a limit is refused with one line saying what would
// make it work; runs without limits work as ever.
func TestLimitsRefused(t *testing.T) {
	t.Parallel()
	Require(t, "nolimits")
	e := New(t)
	img := e.LoadBusybox()
	for _, flag := range [][]string{{"-m", "64m"}, {"--cpus", "0.5"}, {"--pids-limit", "10"}, {"--cgroup-parent", "mine"}} {
		args := append(append([]string{"run", "--rm", "--network", "none"}, flag...), img, "true")
		r := e.Skiff(args...).Fail(t, 125, "")
		if !strings.Contains(r.Stderr, "cgroup") || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("%v: want one line about cgroups, got %q", flag, r.Stderr)
		}
	}
	// compose's limits too, with the same line naming the service
	dir := composeProject(e, "lim", map[string]string{"compose.yaml": "services:\n  web:\n    image: busybox\n    mem_limit: 64m\n"})
	if r := compose(e, dir, "up", "-d"); r.Code == 0 || !strings.Contains(r.Stderr, `service "web"`) || !strings.Contains(r.Stderr, "cgroup") {
		t.Errorf("compose mem_limit: exit %d, %q", r.Code, r.Stderr)
	}
	compose(e, dir, "down").Success(t)
	e.Skiff("run", "--rm", "--network", "none", img, "true").Success(t)
	if got := e.Skiff("ps", "-aq").Success(t).Out(); got != "" {
		t.Errorf("containers left by refused runs: %q", got)
	}
	// update: --kernel-memory, ignored, works; a limit is refused alike
	// (exit 1, as docker's update when the daemon refuses)
	e.Skiff("run", "-d", "--name", "plain", "--network", "none", img, "sleep", "300").Success(t)
	if r := e.Skiff("update", "--kernel-memory", "8m", "plain").Success(t); !strings.Contains(r.Stderr, "kernel memory limit is deprecated") {
		t.Errorf("update --kernel-memory: no warning in %q", r.Stderr)
	}
	r := e.Skiff("update", "--pids-limit", "10", "plain").Fail(t, 1, "cgroup")
	if strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Errorf("update --pids-limit: want one line, got %q", r.Stderr)
	}
	e.Skiff("rm", "-f", "plain").Success(t)
}

// info says which cgroup version the host has, which manager skiff uses
// and the controllers it can use for limits, or why it can use none.
func TestLimitsInfo(t *testing.T) {
	t.Parallel()
	e := New(t)
	got := e.Skiff("info", "--format", "{{.CgroupVersion}}|{{.CgroupDriver}}|{{.CgroupLimits}}|{{join .CgroupControllers \",\"}}|{{.CgroupReason}}").Success(t).Out()
	f := strings.Split(got, "|")
	if len(f) != 5 {
		t.Fatalf("info's cgroup fields = %q", got)
	}
	version := "1"
	if cgroupV2() {
		version = "2"
	}
	if f[0] != version {
		t.Errorf("CgroupVersion = %q, want %s", f[0], version)
	}
	human := e.Skiff("info").Success(t).Out()
	if !canLimit() {
		if f[1] != "none" || f[2] != "false" || !strings.Contains(f[4], "cgroup") {
			t.Errorf("info where skiff cannot make cgroups: driver, limits, reason = %q %q %q", f[1], f[2], f[4])
		}
		if !strings.Contains(human, "Why not: "+f[4]) {
			t.Errorf("info does not say why limits are not available:\n%s", human)
		}
		return
	}
	driver := "cgroupfs"
	if suite.mode == ModeRootless && os.Getenv("SKIFF_TEST_SYSTEMD_RUNTIME") != "" {
		driver = "systemd"
	}
	ctrls := "," + f[3] + ","
	if f[1] != driver || f[2] != "true" || f[4] != "" || !strings.Contains(ctrls, ",memory,") || !strings.Contains(ctrls, ",pids,") || !strings.Contains(ctrls, ",cpu,") {
		t.Errorf("info where skiff can make cgroups = %q, want %s|%s|true|(memory, cpu, pids, ...)|", got, version, driver)
	}
	for _, want := range []string{"Cgroup Driver: " + driver, "Cgroup Version: " + version, "Limits available: yes", "Controllers: " + strings.ReplaceAll(f[3], ",", " ")} {
		if !strings.Contains(human, want) {
			t.Errorf("info does not say %q:\n%s", want, human)
		}
	}
}

// --cgroup-parent puts the container's cgroup under the given parent
// (relative: below skiff's base), made if missing; a parent alone, with
// no limit, gives the container a cgroup too.
func TestLimitsCgroupParent(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	parent := "skiff/e2e-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(int(time.Now().UnixNano()%1e6))
	id := e.Skiff("run", "-d", "--network", "none", "--cgroup-parent", parent, img, "sleep", "300").Success(t).Out()
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", id).Success(t).Out()
	dir := filepath.Dir(cgroupFile(t, pid, "pids.max"))
	var dirs []string // the parent in each hierarchy, removed at the end
	for _, c := range []string{"pids.max", "memory.max", "memory.limit_in_bytes", "cpu.max", "cpu.shares", "cpuacct.usage"} {
		if _, err := os.Stat(cgroupFile(t, pid, c)); err == nil {
			dirs = append(dirs, filepath.Dir(filepath.Dir(cgroupFile(t, pid, c))))
		}
	}
	t.Cleanup(func() {
		for _, d := range dirs {
			_ = os.Remove(d)
		}
	})
	if !strings.HasSuffix(dir, "/"+parent+"/"+id) {
		t.Errorf("cgroup of a container with --cgroup-parent %s: %s", parent, dir)
	}
	if got := e.Skiff("inspect", "--format", "{{.HostConfig.CgroupParent}}", id).Success(t).Out(); got != parent {
		t.Errorf("HostConfig.CgroupParent = %q", got)
	}
	e.Skiff("rm", "-f", id).Success(t)
}

// Every other limit of run and create lands in its cgroup file and in
// inspect: memory swap and reservation, CPU shares, period and quota,
// cpuset CPUs and memory nodes, block I/O weight and throttling (on the
// machine's first block device), and on v1 swappiness and the OOM-killer
// switch. What the host cannot do is dropped with docker's warning:
// --kernel-memory always, swappiness and the OOM-killer switch on v2, I/O
// weights where the kernel has no weight file. --cpus 0 is no limit, as
// docker's.
func TestLimitsMemoryCpusetIO(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	args := []string{"run", "-d", "--name", "tuned", "--network", "none", "-m", "64m", "--memory-swap", "160m",
		"--memory-reservation", "32m", "--kernel-memory", "8m", "-c", "512", "--cpu-period", "50000", "--cpu-quota", "25000",
		"--cpuset-cpus", "0", "--cpuset-mems", "0", "--blkio-weight", "300", "--memory-swappiness", "10", "--oom-kill-disable"}
	dev, devNum := firstBlockDevice()
	if dev != "" {
		args = append(args, "--device-read-bps", dev+":1mb", "--device-write-bps", dev+":2mb",
			"--device-read-iops", dev+":50", "--device-write-iops", dev+":100", "--blkio-weight-device", dev+":200")
	}
	r := e.Skiff(append(args, img, "sleep", "300")...).Success(t)
	warned := func(w string) {
		t.Helper()
		if !strings.Contains(r.Stderr, "WARNING: "+w) {
			t.Errorf("no warning %q: stderr %q", w, r.Stderr)
		}
	}
	warned("Specifying a kernel memory limit is deprecated and the limit is ignored.")
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "tuned").Success(t).Out()
	want := map[string]string{"cpuset.cpus": "0", "cpuset.mems": "0"}
	swappiness, oomKillDisable := "10", "true"
	if cgroupV2() {
		want["memory.max"] = "67108864"
		want["memory.swap.max"] = "100663296" // 160m of memory and swap, less the 64m of memory
		want["memory.low"] = "33554432"
		want["cpu.max"] = "25000 50000"
		want["cpu.weight"] = "59" // 512 shares, mapped as runc's cgroup library does
		if dev != "" {
			want["io.max"] = devNum + " rbps=1048576 wbps=2097152 riops=50 wiops=100"
		}
		warned("Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.")
		warned("Your kernel does not support OomKillDisable. OomKillDisable discarded.")
		swappiness, oomKillDisable = "null", "null"
	} else {
		want["memory.limit_in_bytes"] = "67108864"
		want["memory.soft_limit_in_bytes"] = "33554432"
		want["memory.swappiness"] = "10"
		want["cpu.shares"] = "512"
		want["cpu.cfs_period_us"] = "50000"
		want["cpu.cfs_quota_us"] = "25000"
		if _, err := os.Stat(cgroupFile(t, pid, "memory.memsw.limit_in_bytes")); err == nil {
			want["memory.memsw.limit_in_bytes"] = "167772160"
		}
		if dev != "" {
			want["blkio.throttle.read_bps_device"] = devNum + " 1048576"
			want["blkio.throttle.write_bps_device"] = devNum + " 2097152"
			want["blkio.throttle.read_iops_device"] = devNum + " 50"
			want["blkio.throttle.write_iops_device"] = devNum + " 100"
		}
		if !strings.Contains(readCgroup(t, pid, "memory.oom_control"), "oom_kill_disable 1") {
			t.Errorf("memory.oom_control with --oom-kill-disable: %q", readCgroup(t, pid, "memory.oom_control"))
		}
	}
	for file, v := range want {
		if got := readCgroup(t, pid, file); got != v {
			t.Errorf("%s = %q, want %q", file, got, v)
		}
	}
	weight, weightDevices := "300", 0
	if got, ok := blkioWeight(t, pid, 300); !ok {
		warned("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
		if dev != "" {
			warned("Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.")
		}
		weight = "0"
	} else if got != "" {
		t.Error(got)
	} else if dev != "" {
		weightDevices = 1
	}
	n := 0
	if dev != "" {
		n = 1
	}
	fields := "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} {{.HostConfig.CpuShares}} " +
		"{{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpusetCpus}} {{.HostConfig.CpusetMems}} " +
		"{{json .HostConfig.MemorySwappiness}} {{json .HostConfig.OomKillDisable}} {{.HostConfig.BlkioWeight}} " +
		"{{len .HostConfig.BlkioDeviceReadBps}} {{len .HostConfig.BlkioDeviceWriteBps}} {{len .HostConfig.BlkioDeviceReadIOps}} " +
		"{{len .HostConfig.BlkioDeviceWriteIOps}} {{len .HostConfig.BlkioWeightDevice}}"
	wantFields := fmt.Sprintf("67108864 167772160 33554432 512 50000 25000 0 0 0 %s %s %s %d %d %d %d %d",
		swappiness, oomKillDisable, weight, n, n, n, n, weightDevices)
	if got := e.Skiff("inspect", "--format", fields, "tuned").Success(t).Out(); got != wantFields {
		t.Errorf("inspect %s\n = %q\nwant %q", fields, got, wantFields)
	}

	// --cpus 0 is docker's default: no CPU limit
	e.Skiff("run", "--name", "nocap", "--network", "none", "--cpus", "0", img, "true").Success(t)
	if got := e.Skiff("inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}}", "nocap").Success(t).Out(); got != "0 0" {
		t.Errorf("NanoCpus CpuQuota with --cpus 0 = %q, want 0 0", got)
	}
}

// firstBlockDevice is the machine's first block device and its numbers
// ("" when it has none: the VM).
func firstBlockDevice() (dev, num string) {
	blocks, _ := os.ReadDir("/sys/block")
	if len(blocks) == 0 {
		return "", ""
	}
	var st syscall.Stat_t
	if p := "/dev/" + blocks[0].Name(); syscall.Stat(p, &st) == nil {
		return p, fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	return "", ""
}

// blkioWeight checks the block I/O weight of process pid's cgroup against
// --blkio-weight w: ok is false when the kernel has no weight file (skiff
// warns and drops the weight), problem says what is wrong. On v2 the
// weight is BFQ's io.bfq.weight, else io.weight, which runc's cgroup
// library writes with docker's 10-1000 mapped onto 1-10000.
func blkioWeight(t *testing.T, pid string, w int) (problem string, ok bool) {
	t.Helper()
	files := [][2]string{{"blkio.weight", strconv.Itoa(w)}, {"blkio.bfq.weight", strconv.Itoa(w)}}
	if cgroupV2() {
		files = [][2]string{{"io.bfq.weight", "default " + strconv.Itoa(w)}, {"io.weight", "default " + strconv.Itoa(1+(w-10)*9999/990)}}
	}
	for _, f := range files {
		b, err := os.ReadFile(cgroupFile(t, pid, f[0]))
		if err != nil {
			continue
		}
		if got := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]); got != f[1] {
			return fmt.Sprintf("%s = %q, want %q", f[0], got, f[1]), true
		}
		return "", true
	}
	return "", false
}

// A container's limits survive `update --restart` and the restarts its
// policy makes (each run gets a fresh cgroup with them), and an update
// during the restart back-off is what the next run gets.
func TestLimitsSurviveRestarts(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// it fails at once until the file ok appears, then stays up
	e.Skiff("run", "-d", "--name", "loop", "--network", "none", "-m", "32m", "--pids-limit", "20",
		"--restart", "on-failure", "-v", dir+":/d:ro", img, "sh", "-c", "[ -e /d/ok ] && exec sleep 300; exit 1").Success(t)
	e.Skiff("update", "--restart", "always", "loop").Success(t)
	limits := "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}"
	if got := e.Skiff("inspect", "--format", limits, "loop").Success(t).Out(); got != "33554432 20 always" {
		t.Errorf("limits after update --restart = %q, want 33554432 20 always", got)
	}
	// in the back-off (1.6 s and more after five restarts) the container
	// has no process: update records the limits for the next run (a
	// cpuset is a new v1 hierarchy, which it would have moved a process
	// into)
	waitFor(t, func() bool {
		var n int
		var status string
		_, err := fmt.Sscan(e.Skiff("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", "loop").Out(), &status, &n)
		return err == nil && status == "restarting" && n >= 5
	})
	e.Skiff("update", "--pids-limit", "30", "--cpuset-cpus", "0", "loop").Success(t)
	if err := os.WriteFile(filepath.Join(dir, "ok"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var pid string
	waitFor(t, func() bool {
		pid = e.Skiff("inspect", "--format", "{{.State.Status}} {{.State.Pid}}", "loop").Out()
		return strings.HasPrefix(pid, "running ") && pid != "running 0"
	})
	pid = strings.TrimPrefix(pid, "running ")
	memFile := "memory.limit_in_bytes"
	if cgroupV2() {
		memFile = "memory.max"
	}
	if got := readCgroup(t, pid, memFile); got != "33554432" {
		t.Errorf("%s of a run the policy started = %q, want 33554432", memFile, got)
	}
	if got := readCgroup(t, pid, "pids.max"); got != "30" {
		t.Errorf("pids.max of a run after an update in the back-off = %q, want 30", got)
	}
	if got := readCgroup(t, pid, "cpuset.cpus"); got != "0" {
		t.Errorf("cpuset.cpus of a run after an update in the back-off = %q, want 0", got)
	}
	if got := e.Skiff("inspect", "--format", limits, "loop").Success(t).Out(); got != "33554432 30 always" {
		t.Errorf("limits after the restarts = %q, want 33554432 30 always", got)
	}
}

// compose's limits are run's: mem_limit, memswap_limit, cpus, pids_limit,
// cpu_shares, and deploy.resources' limits and memory reservation land in
// HostConfig and the cgroup; an edited limit recreates the service; a bad
// value gets run's message naming the service; cpu_count is refused.
func TestLimitsCompose(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	e.LoadBusybox()
	project := `
services:
  flat:
    image: busybox
    command: ["sleep", "300"]
    network_mode: none
    mem_limit: MEM
    memswap_limit: 128m
    cpus: 0.5
    pids_limit: 20
    cpu_shares: 512
  deployed:
    image: busybox
    command: ["sleep", "300"]
    network_mode: none
    deploy:
      resources:
        limits: {cpus: "0.75", memory: 48M, pids: 30}
        reservations: {memory: 16M, cpus: "0.25"}
`
	dir := composeProject(e, "lim", map[string]string{"compose.yaml": strings.Replace(project, "MEM", "64m", 1)})
	compose(e, dir, "up", "-d").Success(t)
	fields := "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}} {{.HostConfig.MemoryReservation}}"
	if got := inspectField(e, "lim-flat-1", fields); got != "67108864 134217728 500000000 20 512 0" {
		t.Errorf("flat: %s = %q", fields, got)
	}
	if got := inspectField(e, "lim-deployed-1", fields); got != "50331648 100663296 750000000 30 0 16777216" {
		t.Errorf("deployed: %s = %q", fields, got)
	}
	pid := inspectField(e, "lim-deployed-1", "{{.State.Pid}}")
	if got := readCgroup(t, pid, "pids.max"); got != "30" {
		t.Errorf("pids.max of deploy.resources.limits.pids 30 = %q", got)
	}
	if cgroupV2() {
		if got := readCgroup(t, pid, "cpu.max"); got != "75000 100000" {
			t.Errorf("cpu.max = %q", got)
		}
	} else if got := readCgroup(t, pid, "cpu.cfs_quota_us"); got != "75000" {
		t.Errorf("cpu.cfs_quota_us = %q", got)
	}
	id := inspectField(e, "lim-flat-1", "{{.Id}}")
	e.WriteFile("lim/compose.yaml", strings.Replace(project, "MEM", "96m", 1))
	compose(e, dir, "up", "-d").Success(t)
	if got := inspectField(e, "lim-flat-1", "{{.Id}} {{.HostConfig.Memory}}"); got == id+" 100663296" || !strings.HasSuffix(got, " 100663296") {
		t.Errorf("after mem_limit 64m -> 96m: %q (was %s)", got, id)
	}
	compose(e, dir, "down").Success(t)

	e.WriteFile("lim/compose.yaml", "services:\n  big:\n    image: busybox\n    cpus: 4096\n")
	if r := compose(e, dir, "up", "-d"); r.Code == 0 || !strings.Contains(r.Stderr, `service "big"`) || !strings.Contains(r.Stderr, "of CPUs is from 0.01") {
		t.Errorf("cpus: 4096: exit %d, %q", r.Code, r.Stderr)
	}
	e.WriteFile("lim/compose.yaml", "services:\n  win:\n    image: busybox\n    cpu_count: 2\n")
	if r := compose(e, dir, "up", "-d"); r.Code == 0 || !strings.Contains(r.Stderr, `service "win": cpu_count is not supported`) {
		t.Errorf("cpu_count: exit %d, %q", r.Code, r.Stderr)
	}
	if out := e.Skiff("ps", "-aq").Success(t).Out(); out != "" {
		t.Errorf("refused services left containers: %q", out)
	}
}

// Rootless on cgroup v2 with a systemd user manager (make test-vm runs
// one), a container with limits gets a transient scope from it:
// skiff-ID.scope in the manager's user.slice, the monitor in
// scope/monitor, the container in scope/container with its limits; exec
// joins the container there, update changes the limits, rm leaves no
// scope, an OOM kill is seen. --cgroup-manager cgroupfs keeps to the
// delegated cgroup.
func TestLimitsSystemdScope(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	if os.Getenv("SKIFF_TEST_SYSTEMD_RUNTIME") == "" || suite.mode != ModeRootless {
		t.Skip("needs a rootless run with a systemd user manager (make test-vm)")
	}
	e := New(t)
	img := e.LoadBusybox()
	if r := e.Skiff("--log-level", "debug", "info", "--format", "{{.CgroupDriver}}").Success(t); r.Out() != "systemd" {
		t.Fatalf("info's cgroup driver = %q, want systemd (%s)", r.Out(), r.Stderr)
	}
	id := e.Skiff("run", "-d", "--name", "scoped", "--network", "none", "-m", "32m", "--pids-limit", "20", img, "sleep", "300").Success(t).Out()
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "scoped").Success(t).Out()
	dir := filepath.Dir(cgroupFile(t, pid, "memory.max"))
	scopeDir := filepath.Dir(dir)
	if want := "/user.slice/skiff-" + id + ".scope/container"; !strings.HasSuffix(dir, want) {
		t.Fatalf("the container's cgroup is %s, want one ending in %s", dir, want)
	}
	if got := readCgroup(t, pid, "memory.max"); got != "33554432" {
		t.Errorf("memory.max = %q", got)
	}
	if got := readCgroup(t, pid, "pids.max"); got != "20" {
		t.Errorf("pids.max = %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(scopeDir, "monitor", "cgroup.procs")); err != nil || len(strings.Fields(string(b))) == 0 {
		t.Errorf("no monitor in the scope's monitor cgroup: %q %v", b, err)
	}
	if got := e.Skiff("exec", "scoped", "cat", "/proc/self/cgroup").Success(t).Out(); got != "0::/" {
		t.Errorf("exec's cgroup seen inside = %q, want 0::/ (the container's)", got)
	}
	e.Skiff("update", "--pids-limit", "30", "scoped").Success(t)
	if got := readCgroup(t, pid, "pids.max"); got != "30" {
		t.Errorf("pids.max after update = %q", got)
	}
	e.Skiff("rm", "-f", "scoped").Success(t)
	waitFor(t, func() bool {
		_, err := os.Stat(scopeDir)
		return os.IsNotExist(err)
	})

	// The OOM killer's kill, read from the container's cgroup as the exit
	// is recorded: the monitor keeps the scope until then.
	e.Skiff("run", "--name", "hog", "--network", "none", "-m", "32m", img, "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1").
		Fail(t, 137, "")
	if got := e.Skiff("inspect", "--format", "{{.State.OOMKilled}}", "hog").Success(t).Out(); got != "true" {
		t.Errorf("OOMKilled of a container killed for OOM in its scope = %s", got)
	}

	e.Skiff("--cgroup-manager", "cgroupfs", "run", "-d", "--name", "plain", "--network", "none", "--pids-limit", "20", img, "sleep", "300").Success(t)
	pid = e.Skiff("inspect", "--format", "{{.State.Pid}}", "plain").Success(t).Out()
	if dir := filepath.Dir(cgroupFile(t, pid, "pids.max")); strings.Contains(dir, ".scope") || !strings.Contains(dir, "/skiff/") {
		t.Errorf("--cgroup-manager cgroupfs put the container in %s", dir)
	}
	e.Skiff("rm", "-f", "plain").Success(t)
}
