package initproc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/seccomp"
)

// confine gives the calling thread the container's credentials and
// seccomp filter. Loading a filter needs no_new_privs or CAP_SYS_ADMIN:
// with no_new_privs it is loaded last, just before exec, so that nothing
// skiff does is filtered; without, before the capabilities go (as runc
// does). All threads get it (TSYNC): with --init skiff's own threads
// live on beside the container's process.
func confine(p *specs.Process, f *seccomp.Filter) error {
	load := func() error {
		if f == nil {
			return nil
		}
		g := *f
		g.Flags |= unix.SECCOMP_FILTER_FLAG_TSYNC
		return seccomp.Install(&g)
	}
	if !p.NoNewPrivileges {
		if err := load(); err != nil {
			return err
		}
	}
	if err := setupCredentials(p); err != nil {
		return err
	}
	if p.NoNewPrivileges {
		return load()
	}
	return nil
}

// setupCredentials switches the calling thread — the one that will exec —
// to the container user with the container's capabilities. The raw
// per-thread system calls are deliberate: only this thread's credentials
// reach the exec'd process.
func setupCredentials(p *specs.Process) error {
	caps := p.Capabilities
	if caps == nil {
		caps = &specs.LinuxCapabilities{}
	}
	bounding := capSet(caps.Bounding)
	last, err := capability.LastCap()
	if err != nil {
		return err
	}
	for c := capability.Cap(0); c <= last; c++ {
		if !bounding[c] {
			if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
				return fmt.Errorf("dropping capability %s: %w", c, err)
			}
		}
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return err
	}
	if err := setIDs(p.User); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return err
	}
	cp, err := capability.NewPid2(0)
	if err != nil {
		return err
	}
	cp.Clear(capability.CAPS | capability.AMBS)
	for kind, names := range map[capability.CapType][]string{
		capability.EFFECTIVE: caps.Effective, capability.PERMITTED: caps.Permitted,
		capability.INHERITABLE: caps.Inheritable, capability.AMBIENT: caps.Ambient,
	} {
		for c := range capSet(names) {
			cp.Set(kind, c)
		}
	}
	if err := cp.Apply(capability.CAPS | capability.AMBS); err != nil {
		return fmt.Errorf("setting capabilities: %w", err)
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("setting no_new_privs: %w", err)
		}
	}
	return nil
}

func setIDs(u specs.User) error {
	groups := append([]uint32{}, u.AdditionalGids...)
	var e unix.Errno
	if len(groups) > 0 {
		_, _, e = unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), uintptr(unsafe.Pointer(&groups[0])), 0)
	} else {
		_, _, e = unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0)
	}
	// setgroups is denied under a single-id rootless mapping; that is
	// harmless when no supplementary groups were asked for.
	if e != 0 && (len(groups) > 0 || e != unix.EPERM) {
		return fmt.Errorf("setting supplementary groups %v: %w", groups, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("setting gid %d: %w (is it mapped in the user namespace?)", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("setting uid %d: %w (is it mapped in the user namespace?)", u.UID, e)
	}
	return nil
}

func capSet(names []string) map[capability.Cap]bool {
	byName := map[string]capability.Cap{}
	for _, c := range capability.ListKnown() {
		byName["CAP_"+strings.ToUpper(c.String())] = c
	}
	out := map[capability.Cap]bool{}
	for _, n := range names {
		if c, ok := byName[strings.ToUpper(n)]; ok {
			out[c] = true
		}
	}
	return out
}

// prepareCwd enters the working directory, creating it first when asked
// (a container's start does, as docker does; exec does not).
func prepareCwd(p *specs.Process, create bool) error {
	cwd := p.Cwd
	if cwd == "" {
		cwd = "/"
	}
	if !create {
		if err := unix.Chdir(cwd); err != nil {
			return errdefs.New(errdefs.ErrCannotInvoke, "changing to the working directory %s: %v", cwd, err)
		}
		return nil
	}
	if err := os.MkdirAll(cwd, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("creating the working directory %s: %w", cwd, err)
	}
	if err := unix.Chdir(cwd); err != nil {
		return fmt.Errorf("changing to the working directory %s: %w", cwd, err)
	}
	return nil
}

// lookPath finds name on the container's PATH, as docker's exec does.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := checkExecutable(name); err != nil {
			return "", execError(name, err)
		}
		return name, nil
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	var firstErr error
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		err := checkExecutable(p)
		if err == nil {
			return p, nil
		}
		if firstErr == nil && !os.IsNotExist(err) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return "", execError(name, firstErr)
	}
	return "", errdefs.New(errdefs.ErrCommandNotFound, "exec: %q: executable file not found in $PATH", name)
}

func checkExecutable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return unix.EISDIR
	}
	if st.Mode()&0o111 == 0 {
		return unix.EACCES
	}
	return nil
}

// setLimits applies the process's rlimits (--ulimit) and OOM score
// (--oom-score-adj) while the process still has the capabilities a raise
// may need.
func setLimits(p *specs.Process) error {
	if p.OOMScoreAdj != nil {
		if err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(*p.OOMScoreAdj)), 0); err != nil {
			return fmt.Errorf("setting the OOM score adjustment to %d: %w", *p.OOMScoreAdj, err)
		}
	}
	for _, r := range p.Rlimits {
		res, ok := rlimitResources()[r.Type]
		if !ok {
			return fmt.Errorf("unknown rlimit %s", r.Type)
		}
		if err := unix.Setrlimit(res, &unix.Rlimit{Cur: r.Soft, Max: r.Hard}); err != nil {
			return fmt.Errorf("setting ulimit %s to %d:%d: %w", strings.ToLower(strings.TrimPrefix(r.Type, "RLIMIT_")), r.Soft, r.Hard, err)
		}
	}
	return nil
}

var rlimitResources = lazy.Value(func() map[string]int {
	return map[string]int{
		"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
		"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
		"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
		"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
		"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
		"RLIMIT_STACK": unix.RLIMIT_STACK,
	}
})
