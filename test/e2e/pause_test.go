package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The rootless pause process (docs/internal.md): it holds the user's
// namespaces with every capability in them, lives as long as anything lives
// in them, and a command never starts a second user namespace while the
// first still holds processes.

// pauseRecord is the test's pause.pid: pid, start time, and the inode of
// the user namespace it holds.
func (e *Env) pauseRecord(t *testing.T) (pid int, start, userNS uint64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.RuntimeDir(), "pause.pid"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 4 {
		t.Fatalf("pause.pid = %q, want PID STARTTIME USERNS MNTNS", b)
	}
	pid, _ = strconv.Atoi(f[0])
	start, _ = strconv.ParseUint(f[1], 10, 64)
	userNS, _ = strconv.ParseUint(f[2], 10, 64)
	return pid, start, userNS
}

// pausesIn lists the live pause processes holding user namespace userNS.
func pausesIn(userNS uint64) []int {
	var out []int
	for _, pid := range processesInUserNS(userNS) {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(comm)) == "skiff-pause" {
			out = append(out, pid)
		}
	}
	return out
}

func statIno(st os.FileInfo) uint64 { return st.Sys().(*syscall.Stat_t).Ino }

// checkPauseCaps: the pause process holds CAP_SYS_PTRACE, without which it
// cannot see monitors (non-dumpable) or containers (other ids) and would
// think itself alone.
func checkPauseCaps(t *testing.T, pid int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			caps, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if caps&(1<<19) == 0 { // CAP_SYS_PTRACE
				t.Errorf("pause process %d lacks CAP_SYS_PTRACE: CapEff %s", pid, strings.TrimSpace(v))
			}
			return
		}
	}
	t.Errorf("no CapEff in /proc/%d/status", pid)
}

// kill -9 of the pause process while a container runs: the next commands,
// several at once, put a new one into the same namespaces through a process
// still living there, and reach the container.
func TestPauseProcessKilled(t *testing.T) {
	Require(t, "rootless", "hostroot")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "c", img, "sleep", "600").Success(t)
	pid, start, userNS := e.pauseRecord(t)
	checkPauseCaps(t, pid)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the pause process to die", func() bool { return !alive(pid) })

	var wg sync.WaitGroup
	results := make([]Result, 4)
	for i := range results {
		wg.Go(func() { results[i] = e.Skiff("exec", "c", "echo", "hi"+strconv.Itoa(i)) })
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 || r.Out() != "hi"+strconv.Itoa(i) {
			t.Errorf("exec %d after kill -9 of the pause process: exit %d, %q, stderr %q", i, r.Code, r.Out(), r.Stderr)
		}
	}
	newPid, newStart, newNS := e.pauseRecord(t)
	if newPid == pid && newStart == start {
		t.Fatalf("pause.pid still names the killed process")
	}
	if newNS != userNS {
		t.Errorf("the new pause process holds user namespace %d, not the containers' %d", newNS, userNS)
	}
	if got := pausesIn(userNS); len(got) != 1 || got[0] != newPid {
		t.Errorf("live pause processes in the namespace: %v, want [%d]", got, newPid)
	}
	checkPauseCaps(t, newPid)
	e.Skiff("stop", "-t", "0", "c").Success(t)
	e.Skiff("rm", "c").Success(t)
	noContainers(e)
}

// When the pause process is killed and what is left in its user namespace
// lives outside the shared mount namespace (here a process in a mount
// namespace of its own), the namespaces cannot be entered again as they
// were: commands refuse with one line naming the process instead of
// starting a second user namespace beside it, and go on once it is gone.
func TestPauseProcessKilledStrandedProcess(t *testing.T) {
	Require(t, "rootless", "hostroot")
	t.Parallel()
	e := New(t)
	stray, err := strconv.Atoi(e.Skiff("unshare", "sh", "-c",
		"unshare -m sleep 300 </dev/null >/dev/null 2>&1 & echo $!").Success(t).Out())
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(stray, syscall.SIGKILL)
	pid, _, userNS := e.pauseRecord(t)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the pause process to die", func() bool { return !alive(pid) })
	r := e.Skiff("images").Fail(t, 125, fmt.Sprintf("process %d still runs in it", stray))
	if lines := strings.Split(strings.TrimSpace(r.Stderr), "\n"); len(lines) != 1 {
		t.Errorf("want one line, stderr:\n%s", r.Stderr)
	}
	if got := pausesIn(userNS); len(got) != 0 {
		t.Errorf("pause processes in the stranded namespace: %v", got)
	}
	_ = syscall.Kill(stray, syscall.SIGKILL)
	waitUntil(t, 10*time.Second, "the stray process to die", func() bool { return !alive(stray) })
	e.Skiff("images").Success(t)
	if _, _, ns := e.pauseRecord(t); ns == userNS {
		t.Errorf("a new namespace was expected once nothing lived in the old one")
	}
}

// A detached container survives two minutes without any skiff command:
// the pause process stays while it lives (the issue: it left after a
// minute, and exec then failed in a new namespace), and leaves once
// nothing is left.
func TestPauseProcessOutlivesSilence(t *testing.T) {
	Require(t, "rootless", "slow", "hostroot")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "-i", "--name", "long", img, "sh", "-c",
		`trap 'echo got-term; exit 0' TERM; echo started; while read l; do echo "got $l"; done; while :; do sleep 0.2; done`).Success(t)
	waitLog(e, "long", "started")
	pid, start, _ := e.pauseRecord(t)

	time.Sleep(2*time.Minute + 10*time.Second) // silence: four checks of the pause process

	if !alive(pid) {
		t.Fatalf("the pause process %d left while the container runs", pid)
	}
	if p, s, _ := e.pauseRecord(t); p != pid || s != start {
		t.Fatalf("pause process replaced: %d -> %d", pid, p)
	}
	if got := e.Skiff("exec", "long", "echo", "hi").Success(t).Out(); got != "hi" {
		t.Errorf("exec = %q", got)
	}
	local := e.WriteFile("in.txt", "payload\n")
	e.Skiff("cp", local, "long:/tmp/in.txt").Success(t)
	if got := e.Skiff("exec", "long", "cat", "/tmp/in.txt").Success(t).Out(); got != "payload" {
		t.Errorf("file copied in reads %q", got)
	}
	e.Skiff("cp", "long:/tmp/in.txt", filepath.Join(e.Dir, "back.txt")).Success(t)
	if b, _ := os.ReadFile(filepath.Join(e.Dir, "back.txt")); string(b) != "payload\n" {
		t.Errorf("file copied out reads %q", b)
	}

	follow := e.Cmd("logs", "-f", "long")
	logs := &lockedWriter{w: &strings.Builder{}}
	follow.Stdout = logs
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "logs -f to show the old output", func() bool { return strings.Contains(logs.String(), "started") })

	attach := e.Cmd("attach", "long")
	in, _ := attach.StdinPipe()
	stdout, _ := attach.StdoutPipe()
	if err := attach.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // attached before the first line
	_, _ = io.WriteString(in, "one\n")
	if line, err := readLineTimeout(bufio.NewReader(stdout), 20*time.Second); err != nil || line != "got one" {
		t.Fatalf("attach: read %q, %v", line, err)
	}
	waitUntil(t, 20*time.Second, "logs -f to show new output", func() bool { return strings.Contains(logs.String(), "got one") })

	e.Skiff("stop", "long").Success(t)
	done := make(chan error, 1)
	go func() { done <- follow.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("logs -f: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("logs -f did not end when the container stopped")
	}
	_ = attach.Wait()
	if got := inspectField(e, "long", "{{.State.ExitCode}}"); got != "0" {
		t.Errorf("exit code after stop = %s, want 0 (the trap ran)", got)
	}
	e.Skiff("rm", "long").Success(t)
	noContainers(e)

	// and once nothing lives in the namespaces any more, it leaves
	waitUntil(t, 3*time.Minute, "the pause process to leave", func() bool { return !alive(pid) })
}

// 8 loops of run -d / exec / logs / stop / rm as one user for 2 minutes,
// with the pause process killed (kill -9) every 30 s: no command fails or
// warns, and nothing is left behind.
func TestRootlessSoak(t *testing.T) {
	Require(t, "rootless", "slow", "hostroot")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	deadline := time.Now().Add(2 * time.Minute)
	var (
		mu       sync.Mutex
		failures []string
		rounds   int
	)
	fail := func(r Result, why string) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf("%s: %s: exit %d, stdout %q, stderr %q", r.cmdline(), why, r.Code, r.Stdout, r.Stderr))
	}
	// check: exit 0 and nothing on stderr (warnings included)
	check := func(r Result) bool {
		if r.Code != 0 || strings.TrimSpace(r.Stderr) != "" {
			fail(r, "failed or warned")
			return false
		}
		return true
	}
	stopKiller := make(chan struct{})
	killerDone := make(chan int)
	go func() {
		kills := 0
		defer func() { killerDone <- kills }()
		for {
			select {
			case <-stopKiller:
				return
			case <-time.After(30 * time.Second):
			}
			if pid, _ := e.pauseProcess(); pid > 0 && syscall.Kill(pid, syscall.SIGKILL) == nil {
				kills++
			}
		}
	}()
	var wg sync.WaitGroup
	for loop := range 8 {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				name := fmt.Sprintf("soak-%d-%d", loop, n)
				if !check(e.Skiff("run", "-d", "--name", name, img, "sh", "-c",
					`trap 'exit 0' TERM; echo ready; while :; do sleep 0.2; done`)) {
					e.quiet("rm", "-f", name)
					continue
				}
				if r := e.Skiff("exec", name, "echo", "hi"); check(r) && r.Out() != "hi" {
					fail(r, "exec output")
				}
				for try := 0; ; try++ {
					r := e.Skiff("logs", name)
					if !check(r) || r.Out() == "ready" {
						break
					}
					if try == 100 {
						fail(r, "no ready in the log")
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				check(e.Skiff("stop", name))
				check(e.Skiff("rm", name))
				mu.Lock()
				rounds++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(stopKiller)
	kills := <-killerDone
	t.Logf("%d rounds in 8 loops, pause process killed %d times", rounds, kills)
	for _, f := range failures {
		t.Error(f)
	}
	noContainers(e)
	_, _, userNS := e.pauseRecord(t)
	if got := pausesIn(userNS); len(got) != 1 {
		t.Errorf("live pause processes in the namespace: %v, want one", got)
	}
}
