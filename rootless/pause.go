package rootless

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/proc"
)

// startPause starts the pause process that holds the user's namespaces,
// unless one is alive, and writes dir/pause.pid. A lock file serialises
// concurrent first commands.
func startPause(dir string) error {
	lock, err := os.OpenFile(filepath.Join(dir, "pause.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("opening pause lock: %w", err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	if pauseAlive(dir) {
		return nil
	}
	plan, err := planMapping()
	if err != nil {
		return err
	}
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = []string{"_SKIFF_PAUSE=1", "XDG_RUNTIME_DIR=" + os.Getenv("XDG_RUNTIME_DIR"), "TMPDIR=" + os.Getenv("TMPDIR")}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		Setsid:     true,
	}
	if err := cmd.Start(); err != nil {
		return usernsError(err)
	}
	pid := cmd.Process.Pid
	if err := plan.apply(pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	start, err := proc.StartTime(pid)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("pause process died at start: %w", err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".pause.pid.%d", os.Getpid()))
	if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d %d\n", pid, start)), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "pause.pid")); err != nil {
		return err
	}
	if plan.warning != "" {
		fmt.Fprintln(os.Stderr, "WARNING: "+plan.warning)
	}
	return cmd.Process.Release()
}

// mappingPlan is how the user's ids map into the namespace.
type mappingPlan struct {
	uid, gid  int
	uidRanges []Range
	gidRanges []Range
	newuidmap string
	newgidmap string
	warning   string
}

func planMapping() (*mappingPlan, error) {
	p := &mappingPlan{uid: os.Getuid(), gid: os.Getgid()}
	name := strconv.Itoa(p.uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	var err error
	if p.uidRanges, err = subIDs("/etc/subuid", name, p.uid); err != nil {
		return nil, err
	}
	if p.gidRanges, err = subIDs("/etc/subgid", name, p.uid); err != nil {
		return nil, err
	}
	if len(p.uidRanges) == 0 || len(p.gidRanges) == 0 {
		p.uidRanges, p.gidRanges = nil, nil
		p.warning = fmt.Sprintf("no subordinate ids for %s in /etc/subuid and /etc/subgid: containers get a single uid and gid; "+
			"to fix run as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s", name, name)
		return p, nil
	}
	p.newuidmap, err = exec.LookPath("newuidmap")
	if err != nil {
		return nil, ErrNoNewUIDMap
	}
	p.newgidmap, err = exec.LookPath("newgidmap")
	if err != nil {
		return nil, ErrNoNewUIDMap
	}
	return p, nil
}

// apply writes the mappings of process pid.
func (p *mappingPlan) apply(pid int) error {
	if p.newuidmap == "" {
		procDir := "/proc/" + strconv.Itoa(pid)
		if err := os.WriteFile(procDir+"/uid_map", []byte(fmt.Sprintf("0 %d 1\n", p.uid)), 0); err != nil {
			return fmt.Errorf("writing uid_map: %w", err)
		}
		if err := os.WriteFile(procDir+"/setgroups", []byte("deny"), 0); err != nil {
			return fmt.Errorf("writing setgroups: %w", err)
		}
		if err := os.WriteFile(procDir+"/gid_map", []byte(fmt.Sprintf("0 %d 1\n", p.gid)), 0); err != nil {
			return fmt.Errorf("writing gid_map: %w", err)
		}
		return nil
	}
	if err := runMapTool(p.newuidmap, pid, IDMapArgs(p.uid, p.uidRanges)); err != nil {
		return err
	}
	return runMapTool(p.newgidmap, pid, IDMapArgs(p.gid, p.gidRanges))
}

func runMapTool(tool string, pid int, args []string) error {
	full := append([]string{strconv.Itoa(pid)}, args...)
	out, err := exec.Command(tool, full...).CombinedOutput()
	if err != nil {
		hint := ""
		if strings.Contains(string(out), "Invalid argument") {
			hint = " (overlapping ranges in /etc/subuid or /etc/subgid?)"
		}
		return fmt.Errorf("%s %s failed: %s: %w%s", filepath.Base(tool), strings.Join(full, " "),
			strings.TrimSpace(string(out)), err, hint)
	}
	return nil
}

// usernsError turns a failed clone into the sysctl to set.
func usernsError(err error) error {
	read := func(p string) string {
		b, _ := os.ReadFile(p)
		return strings.TrimSpace(string(b))
	}
	switch {
	case read("/proc/sys/kernel/unprivileged_userns_clone") == "0":
		return fmt.Errorf("%w: run as root: sysctl -w kernel.unprivileged_userns_clone=1", ErrUsernsDisabled)
	case read("/proc/sys/user/max_user_namespaces") == "0":
		return fmt.Errorf("%w: run as root: sysctl -w user.max_user_namespaces=28633", ErrUsernsDisabled)
	case read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
		return fmt.Errorf("%w by AppArmor: run as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or add an AppArmor profile for skiff", ErrUsernsDisabled)
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w (%v): check the sysctls user.max_user_namespaces and kernel.unprivileged_userns_clone", ErrUsernsDisabled, err)
	}
	return fmt.Errorf("creating the user namespace: %w", err)
}
