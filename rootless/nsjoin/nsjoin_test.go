package nsjoin

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The liveness rule runs in real user namespaces. The test binary plays
// two more roles, chosen by _NSJOIN_TEST:
//   - "holder": the first process of a fresh user namespace, root in there
//     with every capability, as the pause process is. It answers the
//     commands on its stdin ("find", "find N", "spawn KIND", "bury", "reap").
//   - "resident": a process the holder starts in its namespace (or in one
//     nested in it); non-dumpable, like monitors and helpers.
func TestMain(m *testing.M) {
	switch os.Getenv("_NSJOIN_TEST") {
	case "holder":
		holderMain()
	case "resident":
		_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
		fmt.Println("ok")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the holder lets go
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childEnv keeps the nsjoin constructor out of the way: a child must stay
// where it is started, not join its user's pause process.
func childEnv(role string) []string {
	return []string{"_NSJOIN_TEST=" + role, "_SKIFF_USERNS_CONFIGURED=1"}
}

func holderMain() {
	self := mustInode(os.Getpid(), "user")
	var residents []*exec.Cmd
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		switch f[0] {
		case "find": // "find" or "find N": the pause process's check, N times
			n := 1
			if len(f) > 1 {
				n, _ = strconv.Atoi(f[1])
			}
			found := 0
			for range n {
				found = FindInUserNS(self, 0, os.Getpid())
			}
			fmt.Println(found)
		case "spawn":
			cmd := exec.Command("/proc/self/exe")
			cmd.Env = childEnv("resident")
			cmd.SysProcAttr = &syscall.SysProcAttr{}
			switch f[1] {
			case "otheruid": // a container's process: another id of the range
				cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 1, Gid: 1, NoSetGroups: true}
			case "nested": // a --userns=keep-id container's
				cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER
				cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
				cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
				cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 0, Gid: 0}
			}
			stdin, _ := cmd.StdinPipe()
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				fmt.Println("error", err)
				continue
			}
			_ = stdin // closed by reap
			if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ok\n" {
				fmt.Println("error resident said", strconv.Quote(line))
				continue
			}
			residents = append(residents, cmd)
			fmt.Println(cmd.Process.Pid)
		case "bury": // kill the residents, reap none: zombies
			for _, r := range residents {
				_ = r.Process.Kill()
				for deadline := time.Now().Add(10 * time.Second); !zombie(r.Process.Pid) && time.Now().Before(deadline); {
					time.Sleep(5 * time.Millisecond)
				}
			}
			fmt.Println("buried")
		case "reap":
			for _, r := range residents {
				_ = r.Process.Kill()
				_ = r.Wait()
			}
			residents = nil
			fmt.Println("reaped")
		}
	}
	os.Exit(0)
}

func zombie(pid int) bool {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

func mustInode(pid int, kind string) uint64 {
	var st syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/ns/%s", pid, kind), &st); err != nil {
		panic(err)
	}
	return st.Ino
}

// holder is a running holder process and its command pipe.
type holder struct {
	cmd  *exec.Cmd
	in   *os.File
	out  *bufio.Reader
	user uint64 // its user namespace
	mnt  uint64 // its mount namespace
}

// startHolder starts a holder in a fresh user and mount namespace. Run as
// root, the namespace maps two ids, so that a resident can run as another
// id than the holder; otherwise only the caller's own (otherIDs false).
func startHolder(t testing.TB) (h *holder, otherIDs bool) {
	t.Helper()
	uids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
	gids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	if os.Getuid() == 0 {
		// ids no account uses, well above the usual subordinate ranges
		uids = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 3_900_000_000, Size: 2}}
		gids = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 3_900_000_000, Size: 2}}
		otherIDs = true
	}
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = childEnv("holder")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: uids, GidMappings: gids,
		Credential: &syscall.Credential{Uid: 0, Gid: 0}, // root in there, whatever we are
		Pdeathsig:  syscall.SIGKILL,
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot create a user namespace here: %v", err)
	}
	h = &holder{cmd: cmd, in: stdin.(*os.File), out: bufio.NewReader(stdout),
		user: mustInode(cmd.Process.Pid, "user"), mnt: mustInode(cmd.Process.Pid, "mnt")}
	t.Cleanup(func() {
		h.in.Close()
		_ = cmd.Wait()
	})
	return h, otherIDs
}

// ask sends one command and returns the holder's answer.
func (h *holder) ask(t testing.TB, command string) string {
	t.Helper()
	if _, err := fmt.Fprintln(h.in, command); err != nil {
		t.Fatal(err)
	}
	line, err := h.out.ReadString('\n')
	if err != nil {
		t.Fatalf("%s: holder: %v", command, err)
	}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "error") {
		t.Fatalf("%s: %s", command, line)
	}
	return line
}

// The pause process lives exactly as long as any other process lives in its
// user namespace, whatever that process's id or dumpability, and in any
// namespace nested in it; processes outside never count. The command side
// (the host user who owns the namespace) must see the same, to find a
// survivor after the pause process was killed.
func TestLivenessRule(t *testing.T) {
	t.Parallel()
	h, otherIDs := startHolder(t)
	holderPid := h.cmd.Process.Pid
	inside := func() string { return h.ask(t, "find") }
	outside := func(mnt uint64) string {
		return strconv.Itoa(FindInUserNS(h.user, mnt, holderPid))
	}

	// alone: the test process (same host user, dumpable) is outside
	if got := inside(); got != "0" {
		t.Fatalf("alone in its namespace, the holder finds process %s", got)
	}
	if got := outside(0); got != "0" {
		t.Fatalf("from outside, a namespace holding only the holder shows process %s", got)
	}

	kinds := []string{"nondumpable", "nested"}
	if otherIDs {
		kinds = append(kinds, "otheruid")
	}
	for _, kind := range kinds {
		pid := h.ask(t, "spawn "+kind)
		if got := inside(); got != pid {
			t.Errorf("%s resident %s: the holder finds %q", kind, pid, got)
		}
		if got := outside(0); got != pid {
			t.Errorf("%s resident %s: from outside, found %q", kind, pid, got)
		}
		if got := outside(h.mnt); got != pid { // it shares the holder's mount namespace
			t.Errorf("%s resident %s: from outside in the holder's mount namespace, found %q", kind, pid, got)
		}
		if got := outside(mustInode(os.Getpid(), "mnt")); got != "0" {
			t.Errorf("%s resident %s: from outside in another mount namespace, found %q", kind, pid, got)
		}
		h.ask(t, "bury")
		if got := inside(); got != "0" {
			t.Errorf("the %s resident is a zombie, but the holder finds %s", kind, got)
		}
		if got := outside(0); got != "0" {
			t.Errorf("the %s resident is a zombie, but from outside, found %s", kind, got)
		}
		h.ask(t, "reap")
		if got := inside(); got != "0" {
			t.Errorf("after the %s resident ended, the holder still finds %s", kind, got)
		}
	}
}

// BenchmarkLivenessCheck is the pause process's check every 30 s when
// nothing else is left in its namespace: the worst case, a whole pass over
// /proc.
func BenchmarkLivenessCheck(b *testing.B) {
	h, _ := startHolder(b)
	entries, _ := os.ReadDir("/proc")
	procs := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			procs++
		}
	}
	b.ResetTimer()
	if got := h.ask(b, fmt.Sprintf("find %d", b.N)); got != "0" {
		b.Fatalf("found %s", got)
	}
	b.StopTimer()
	b.ReportMetric(float64(procs), "procs")
}
