package rootless

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/flock"
	"github.com/skiff-containers/skiff/internal/hostcheck"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/internal/subid"
	"github.com/skiff-containers/skiff/rootless/nsjoin"
)

// pauseRecord is RuntimeDir/pause.pid, "PID STARTTIME USERNS MNTNS": the
// pause process and the inode numbers of the user and mount namespaces it
// holds. It stays when the process ends: a command that finds the process
// dead looks for what still lives in those namespaces.
type pauseRecord struct {
	pid           int
	start         uint64
	userNS, mntNS uint64
}

func (r pauseRecord) String() string {
	return fmt.Sprintf("%d %d %d %d", r.pid, r.start, r.userNS, r.mntNS)
}

// alive reports whether the recorded pause process still runs.
func (r pauseRecord) alive() bool {
	return r.start != 0 && proc.Alive(r.pid, r.start)
}

// readPauseRecord reads dir/pause.pid (a skiff before the namespaces were
// recorded wrote only "PID STARTTIME").
func readPauseRecord(dir string) (pauseRecord, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "pause.pid"))
	if err != nil {
		return pauseRecord{}, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 && len(f) != 4 {
		return pauseRecord{}, false
	}
	var r pauseRecord
	var err1, err2, err3, err4 error
	r.pid, err1 = strconv.Atoi(f[0])
	r.start, err2 = strconv.ParseUint(f[1], 10, 64)
	if len(f) == 4 {
		r.userNS, err3 = strconv.ParseUint(f[2], 10, 64)
		r.mntNS, err4 = strconv.ParseUint(f[3], 10, 64)
	}
	return r, errors.Join(err1, err2, err3, err4) == nil
}

// lockPause takes dir/pause.lock exclusively. Every command joining the
// pause process's namespaces holds it shared until it is inside (nsjoin.c),
// and the pause process takes it for its last look before it exits.
func lockPause(dir string) (unlock func(), err error) {
	lock, err := os.OpenFile(filepath.Join(dir, "pause.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening pause lock: %w", err)
	}
	if err := flock.Lock(lock, unix.LOCK_EX, "the rootless pause process's lock"); err != nil {
		lock.Close()
		return nil, fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	return func() { lock.Close() }, nil
}

// holdNamespaces makes sure a pause process holds the user's namespaces:
//   - the recorded one is alive: nothing to do;
//   - it died (kill -9) while processes still live in its namespaces: a new
//     one enters them through one of those, so that every command goes on
//     seeing the same containers, mounts and networks;
//   - nothing lives there any more: a new one makes fresh namespaces.
//
// A second user namespace while the first still holds processes would
// strand them: when some live in the user namespace but none in its mount
// namespace, which cannot be entered any more, it refuses.
func holdNamespaces(dir string) error {
	unlock, err := lockPause(dir)
	if err != nil {
		return err
	}
	defer unlock()
	rec, ok := readPauseRecord(dir)
	if ok && rec.alive() {
		return nil
	}
	if ok && rec.userNS != 0 {
		for range 3 {
			pid := nsjoin.FindInUserNS(rec.userNS, rec.mntNS, 0)
			if pid < 0 {
				return errors.New("reading /proc: cannot tell whether your containers' user namespace still lives")
			}
			if pid == 0 {
				break
			}
			survivor := pauseRecord{pid: pid, userNS: rec.userNS, mntNS: rec.mntNS}
			if survivor.start, err = proc.StartTime(pid); err != nil {
				continue // gone meanwhile: look again
			}
			err := startPause(dir, pauseJoin, survivor)
			if err == nil || survivor.alive() {
				return err
			}
		}
		if pid := nsjoin.FindInUserNS(rec.userNS, 0, 0); pid > 0 {
			return fmt.Errorf("the pause process holding your containers' user namespace was killed and no process is left "+
				"in its mount namespace, but process %d still runs in it: end what remains (kill %d) and retry", pid, pid)
		}
	}
	return startPause(dir, pauseNew, pauseRecord{})
}

// adoptNamespaces is holdNamespaces for a process that joined the pause
// process's namespaces and found it dead right after (kill -9): it starts
// a new pause process in there.
func adoptNamespaces(dir string) error {
	unlock, err := lockPause(dir)
	if err != nil {
		return err
	}
	defer unlock()
	own, err := nsInode(os.Getpid(), "user")
	if err != nil {
		return err
	}
	rec, ok := readPauseRecord(dir)
	if ok && rec.alive() {
		if rec.userNS != 0 && rec.userNS != own {
			return errors.New("the user namespace was replaced while this command entered it: run it again")
		}
		return nil
	}
	return startPause(dir, pauseHere, pauseRecord{})
}

// How a pause process starts (nsjoin.c pause_main).
const (
	pauseNew  = "new"  // in fresh user and mount namespaces, mapped by us
	pauseJoin = "join" // in those of a surviving process
	pauseHere = "here" // in ours: we are inside
)

// startPause starts a pause process, waits until it says it holds the
// namespaces (with every capability in them), and records it in
// dir/pause.pid. The caller holds the pause lock.
func startPause(dir, mode string, target pauseRecord) error {
	var plan *mappingPlan
	if mode == pauseNew {
		var err error
		if plan, err = planMapping(); err != nil {
			return err
		}
	}
	ready, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer ready.Close()
	lock, err := os.Open(filepath.Join(dir, "pause.lock")) // the pause process's own
	if err != nil {
		readyW.Close()
		return err
	}
	defer lock.Close()
	cmd := &exec.Cmd{Path: "/proc/self/exe", Args: []string{"skiff-pause"}}
	cmd.Env = []string{"_SKIFF_PAUSE=" + mode, "_SKIFF_PAUSE_READY=3", "_SKIFF_PAUSE_LOCK=4"}
	cmd.ExtraFiles = []*os.File{readyW, lock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var mapped, mappedW *os.File
	switch mode {
	case pauseNew:
		if mapped, mappedW, err = os.Pipe(); err != nil {
			readyW.Close()
			return err
		}
		defer mappedW.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, mapped)
		cmd.Env = append(cmd.Env, "_SKIFF_PAUSE_MAPPED=5")
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
	case pauseJoin:
		cmd.Env = append(cmd.Env, "_SKIFF_PAUSE_TARGET="+target.String())
	}
	err = cmd.Start()
	readyW.Close()
	if mapped != nil {
		mapped.Close()
	}
	if err != nil {
		if mode == pauseNew {
			return usernsError(err)
		}
		return fmt.Errorf("starting the pause process: %w", err)
	}
	pid := cmd.Process.Pid
	fail := func(err error) error {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	if plan != nil {
		if err := plan.apply(pid); err != nil {
			return fail(err)
		}
		if _, err := mappedW.Write([]byte("mapped")); err != nil {
			return fail(fmt.Errorf("pause process died at start: %w", err))
		}
		mappedW.Close()
	}
	msg, _ := io.ReadAll(ready) // until it is ready or gone
	if string(msg) != "ready" {
		if len(msg) == 0 {
			msg = []byte("it exited")
		}
		err := fmt.Errorf("starting the pause process: %s", msg)
		if mode == pauseNew {
			// a namespace without capabilities (AppArmor) fails here
			err = hostcheck.Explain(err, hostcheck.UserNamespaces())
		}
		return fail(err)
	}
	rec := pauseRecord{pid: pid}
	if rec.start, err = proc.StartTime(pid); err == nil {
		if rec.userNS, err = nsInode(pid, "user"); err == nil {
			rec.mntNS, err = nsInode(pid, "mnt")
		}
	}
	if err != nil {
		return fail(fmt.Errorf("pause process died at start: %w", err))
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".pause.pid.%d", os.Getpid()))
	if err := os.WriteFile(tmp, []byte(rec.String()+"\n"), 0o600); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "pause.pid")); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if plan != nil && plan.warning != "" {
		fmt.Fprintln(os.Stderr, "WARNING: "+plan.warning)
	}
	return cmd.Process.Release()
}

// nsInode is the inode number of /proc/PID/ns/KIND, which names the
// namespace.
func nsInode(pid int, kind string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/"+strconv.Itoa(pid)+"/ns/"+kind, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// mappingPlan is how the user's ids map into the namespace.
type mappingPlan struct {
	user      hostcheck.User
	uidRanges []Range
	gidRanges []Range
	newuidmap string
	newgidmap string
	warning   string
}

func planMapping() (*mappingPlan, error) {
	uid, gid := os.Getuid(), os.Getgid()
	name := strconv.Itoa(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	p := &mappingPlan{user: hostcheck.User{Name: name, UID: uid, GID: gid, Rootless: true}}
	uids, err := subid.Read(subid.UIDFile)
	if err == nil {
		var gids subid.Entries
		if gids, err = subid.Read(subid.GIDFile); err == nil {
			p.uidRanges, p.gidRanges = uids.Of(name, uid), gids.Of(name, uid)
		}
	}
	if err != nil {
		return nil, hostcheck.Explain(err, hostcheck.SubIDs(p.user))
	}
	if len(p.uidRanges) == 0 || len(p.gidRanges) == 0 {
		p.uidRanges, p.gidRanges = nil, nil
		p.warning = fmt.Sprintf("no subordinate ids for %s: containers get a single uid and gid", name)
		if r := hostcheck.SubIDs(p.user); len(r.Findings) > 0 {
			p.warning = r.Findings[0].String()
		}
		return p, nil
	}
	p.newuidmap, err = exec.LookPath("newuidmap")
	if err == nil {
		p.newgidmap, err = exec.LookPath("newgidmap")
	}
	if err != nil {
		return nil, hostcheck.Explain(ErrNoNewUIDMap, hostcheck.IDMapTools())
	}
	return p, nil
}

// apply writes the mappings of process pid. When newuidmap or newgidmap
// fails, the checks of the tools and of the user's ranges say why (the
// tools' own words are often only "Invalid argument").
func (p *mappingPlan) apply(pid int) error {
	if p.newuidmap == "" {
		procDir := "/proc/" + strconv.Itoa(pid)
		if err := os.WriteFile(procDir+"/uid_map", []byte(fmt.Sprintf("0 %d 1\n", p.user.UID)), 0); err != nil {
			return fmt.Errorf("writing uid_map: %w", err)
		}
		if err := os.WriteFile(procDir+"/setgroups", []byte("deny"), 0); err != nil {
			return fmt.Errorf("writing setgroups: %w", err)
		}
		if err := os.WriteFile(procDir+"/gid_map", []byte(fmt.Sprintf("0 %d 1\n", p.user.GID)), 0); err != nil {
			return fmt.Errorf("writing gid_map: %w", err)
		}
		return nil
	}
	err := runMapTool(p.newuidmap, pid, IDMapArgs(p.user.UID, p.uidRanges))
	if err == nil {
		err = runMapTool(p.newgidmap, pid, IDMapArgs(p.user.GID, p.gidRanges))
	}
	return hostcheck.Explain(err, hostcheck.IDMapTools(), hostcheck.SubIDs(p.user))
}

func runMapTool(tool string, pid int, args []string) error {
	full := append([]string{strconv.Itoa(pid)}, args...)
	out, err := exec.Command(tool, full...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s failed: %s: %w", filepath.Base(tool), strings.Join(full, " "),
			strings.TrimSpace(string(out)), err)
	}
	return nil
}

// usernsError explains a failed clone(CLONE_NEWUSER): the sysctl or
// AppArmor policy that forbids it, with the command that lifts it.
func usernsError(err error) error {
	err = fmt.Errorf("creating the user namespace: %w", err)
	if e := hostcheck.Explain(err, hostcheck.UserNamespaces()); e != err {
		return e
	}
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w: too many user namespaces exist (see the sysctl user.max_user_namespaces): %w", ErrUsernsDisabled, err)
	case errors.Is(err, syscall.EPERM):
		return fmt.Errorf("%w: %w: no sysctl or AppArmor policy of this host forbids them, so a sandbox around skiff does "+
			"(in a container: run it with --privileged, or a seccomp profile that allows unshare and clone)", ErrUsernsDisabled, err)
	}
	return err
}
