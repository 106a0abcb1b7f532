package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// cleanup runs at the end of every test that called New.
func (e *Env) cleanup() {
	t := e.T
	e.mu.Lock()
	cmds := e.cmds
	e.mu.Unlock()
	for _, c := range cmds {
		if c.Process != nil && c.ProcessState == nil {
			_ = c.Process.Kill() // a no-op for processes already waited for
		}
	}
	pause, pauseStart := e.pauseProcess()
	if _, err := os.Stat(e.Root); err == nil {
		e.removeContainersAndImages()
	}
	if left := e.allMounts(pause); len(left) > 0 {
		t.Errorf("mounts left behind under %s:\n  %s", e.Dir, strings.Join(left, "\n  "))
		e.unmount(left)
	}
	if _, err := os.Stat(e.Root); err == nil && e.Rootless {
		// files of subordinate ids: only root in the namespace may remove them
		if r := e.quiet("unshare", "rm", "-rf", e.Root, e.RunRoot); r.Code != 0 {
			t.Errorf("skiff unshare rm -rf: exit %d: %s", r.Code, r.Stderr)
		}
		pause, pauseStart = e.pauseProcess()
	}
	if pause > 0 && pauseStart != 0 && processStart(pause) == pauseStart {
		_ = syscall.Kill(pause, syscall.SIGTERM)
	}
	if err := os.RemoveAll(e.Dir); err != nil {
		t.Errorf("removing %s: %v", e.Dir, err)
	}
}

// removeContainersAndImages removes what the test left in its store with
// skiff itself, skipping commands this skiff does not have yet.
func (e *Env) removeContainersAndImages() {
	t := e.T
	// pods first: their infra containers go with them only
	if r := e.quiet("pod", "rm", "-f", "-a"); r.Code != 0 && !strings.Contains(r.Stderr, "unknown command") {
		t.Errorf("cleanup: skiff pod rm -f -a: exit %d: %s", r.Code, r.Stderr)
	}
	var ids []string
	if r := e.quiet("ps", "-a", "-q", "--no-trunc"); r.Code == 0 {
		ids = r.Lines()
	} else {
		if !strings.Contains(r.Stderr, "unknown command") {
			t.Errorf("cleanup: skiff ps -a -q: exit %d: %s", r.Code, r.Stderr)
		}
		// no usable ps: the container records (docs/internal.md)
		entries, _ := os.ReadDir(filepath.Join(e.Root, "skiff", "containers"))
		for _, d := range entries {
			ids = append(ids, d.Name())
		}
	}
	if ids = uniq(ids); len(ids) > 0 {
		if rm := e.quiet(append([]string{"rm", "-f", "-v"}, ids...)...); rm.Code != 0 {
			t.Errorf("cleanup: skiff rm -f -v: exit %d: %s", rm.Code, rm.Stderr)
		}
	}
	// networks: the test's own, and what lingers after its last container
	// (the rootless network namespace stays mounted for a moment)
	if r := e.quiet("network", "prune", "-f"); r.Code != 0 && !strings.Contains(r.Stderr, "unknown command") {
		t.Errorf("cleanup: skiff network prune -f: exit %d: %s", r.Code, r.Stderr)
	}
	if r := e.quiet("images", "-a", "-q", "--no-trunc"); r.Code == 0 {
		if ids := uniq(r.Lines()); len(ids) > 0 {
			if rmi := e.quiet(append([]string{"rmi", "-f"}, ids...)...); rmi.Code != 0 {
				t.Errorf("cleanup: skiff rmi -f: exit %d: %s", rmi.Code, rmi.Stderr)
			}
		}
	}
}

// quiet runs skiff without failing the test on a hang or a start error and
// without logging: cleanup must go on.
func (e *Env) quiet(args ...string) Result {
	cmd := e.command(suite.binary, e.GlobalArgs, args)
	cmd.SysProcAttr.Setpgid = true
	return collect(cmd)
}

// collect runs cmd and returns what it left (code -1 and the error as
// stderr when it could not start), without failing or logging.
func collect(cmd *exec.Cmd) Result {
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Args: cmd.Args, Stdout: out.String(), Stderr: errb.String()}
	if cmd.ProcessState != nil {
		r.Code = cmd.ProcessState.ExitCode()
	} else if err != nil {
		r.Code, r.Stderr = -1, err.Error()
	}
	return r
}

// pauseProcess reads the test's pause.pid ("PID STARTTIME USERNS MNTNS");
// 0 when there is none (root, or no rootless command ran).
func (e *Env) pauseProcess() (int, uint64) {
	if !e.Rootless {
		return 0, 0
	}
	b, err := os.ReadFile(filepath.Join(e.RuntimeDir(), "pause.pid"))
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, 0
	}
	pid, _ := strconv.Atoi(f[0])
	start, _ := strconv.ParseUint(f[1], 10, 64)
	return pid, start
}

// processStart is field 22 of /proc/PID/stat, or 0.
func processStart(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

// mounts lists the mount points under Dir in the mount namespace skiff
// used: the pause process's (rootless) or the host's (root).
func (e *Env) mounts(pause int) []string {
	// The user's shared rootless network namespace is no container's: it
	// outlives the last container for a moment (docs/network.md); the
	// final cleanup prunes networks and checks with allMounts.
	net := filepath.Join(e.RuntimeDir(), "net") + "/"
	var out []string
	for _, mp := range e.allMounts(pause) {
		if !strings.HasPrefix(mp, net) {
			out = append(out, mp)
		}
	}
	return out
}

// allMounts lists every mount point under Dir.
func (e *Env) allMounts(pause int) []string {
	path := "/proc/self/mountinfo"
	if e.Rootless {
		if pause <= 0 {
			return nil
		}
		path = "/proc/" + strconv.Itoa(pause) + "/mountinfo"
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if strings.HasPrefix(mp, e.Dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

// unmount detaches mounts, deepest first.
func (e *Env) unmount(mps []string) {
	sort.Slice(mps, func(i, j int) bool { return len(mps[i]) > len(mps[j]) })
	if !e.Rootless {
		for _, m := range mps {
			_ = unix.Unmount(m, unix.MNT_DETACH)
		}
		return
	}
	e.quiet(append([]string{"unshare", "umount", "-l"}, mps...)...)
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
