package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

// stats shows usage against the memory limit, or the host's memory.
func TestLimitsStats(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "capped", "--network", "none", "-m", "64m", img, "sleep", "300").Success(t)
	e.Skiff("run", "-d", "--name", "free", "--network", "none", img, "sleep", "300").Success(t)
	rows := e.Skiff("stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}|{{.PIDs}}").Success(t).Lines()
	got := map[string]string{}
	for _, r := range rows {
		name, rest, _ := strings.Cut(r, "|")
		got[name] = rest
	}
	capped, free := got["capped"], got["free"]
	if !strings.HasSuffix(strings.Split(capped, "|")[0], "/ 64MiB") || !strings.HasSuffix(capped, "|1") {
		t.Errorf("stats of a container with -m 64m: %q", capped)
	}
	if strings.Contains(free, "/ 64MiB") || !strings.Contains(free, " / ") {
		t.Errorf("stats of a container without limit: %q", free)
	}
}

// update changes a running container's limits at once (also one started
// without any) and records them for the next start.
func TestLimitsUpdate(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "live", "--network", "none", img, "sleep", "300").Success(t)
	e.Skiff("update", "-m", "64m", "--cpus", "0.5", "--pids-limit", "30", "live").Success(t)
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "live").Success(t).Out()
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
	e.Skiff("info", "--format", "{{.CgroupLimits}}").Success(t)
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

// The other limits land in their cgroup files: memory reservation,
// cpuset, I/O throttling (on the machine's first block device), and on
// v1 swappiness and the OOM-killer switch.
func TestLimitsMemoryCpusetIO(t *testing.T) {
	t.Parallel()
	Require(t, "limits")
	e := New(t)
	img := e.LoadBusybox()
	args := []string{"run", "-d", "--name", "tuned", "--network", "none", "-m", "64m", "--memory-reservation", "32m", "--cpuset-cpus", "0"}
	dev, devNum := "", ""
	if blocks, _ := os.ReadDir("/sys/block"); len(blocks) > 0 {
		var st syscall.Stat_t
		if p := "/dev/" + blocks[0].Name(); syscall.Stat(p, &st) == nil {
			dev, devNum = p, fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
			args = append(args, "--device-read-bps", dev+":1mb", "--device-write-iops", dev+":100")
		}
	}
	if !cgroupV2() {
		args = append(args, "--memory-swappiness", "10", "--oom-kill-disable")
	}
	e.Skiff(append(args, img, "sleep", "300")...).Success(t)
	pid := e.Skiff("inspect", "--format", "{{.State.Pid}}", "tuned").Success(t).Out()
	want := map[string]string{"cpuset.cpus": "0"}
	if cgroupV2() {
		want["memory.low"] = "33554432"
		if dev != "" {
			want["io.max"] = devNum + " rbps=1048576 wbps=max riops=max wiops=100"
		}
	} else {
		want["memory.soft_limit_in_bytes"] = "33554432"
		want["memory.swappiness"] = "10"
		if dev != "" {
			want["blkio.throttle.read_bps_device"] = devNum + " 1048576"
			want["blkio.throttle.write_iops_device"] = devNum + " 100"
		}
	}
	for file, v := range want {
		if got := readCgroup(t, pid, file); got != v {
			t.Errorf("%s = %q, want %q", file, got, v)
		}
	}
	if !cgroupV2() && !strings.Contains(readCgroup(t, pid, "memory.oom_control"), "oom_kill_disable 1") {
		t.Errorf("memory.oom_control with --oom-kill-disable: %q", readCgroup(t, pid, "memory.oom_control"))
	}
	got := e.Skiff("inspect", "--format", "{{.HostConfig.MemoryReservation}} {{.HostConfig.CpusetCpus}} {{len .HostConfig.BlkioDeviceReadBps}}", "tuned").Success(t).Out()
	n := "0"
	if dev != "" {
		n = "1"
	}
	if got != "33554432 0 "+n {
		t.Errorf("MemoryReservation CpusetCpus len(BlkioDeviceReadBps) = %q", got)
	}
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
