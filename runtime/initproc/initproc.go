// Package initproc is the code that runs inside a container's new
// namespaces: the "init" role of the skiff binary. It mounts the container's
// filesystems, pivots into the root filesystem, sets the hostname, sysctls,
// console, credentials and capabilities, and finally execs the user's
// process as PID 1 (or, with --init, runs it under a small reaper).
//
// It talks to its parent, the monitor (runtime/monitor, C), over two
// inherited descriptors: the Config as JSON (fd 3) and a SOCK_SEQPACKET
// socket (fd 4) carrying "console" (with the pty master as SCM_RIGHTS) or
// "error CODE MESSAGE". The socket is close-on-exec, so its end-of-file
// tells the monitor that exec succeeded.
//
// It must not import storage, netns or runtime/container.
package initproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/seccomp"
)

// Role is the value of _SKIFF_ROLE that makes main call Main.
const Role = "init"

// File descriptors the monitor passes: the configuration and the sync
// socket follow the descriptors run --preserve-fds passes on to the
// process (3 to 3+N-1, N in PreserveFDsEnv).
const (
	ConfigFD = 3
	SyncFD   = 4
)

// PreserveFDsEnv is the init's environment variable that says how many
// descriptors after stderr are the process's (run --preserve-fds).
const PreserveFDsEnv = "_SKIFF_PRESERVE_FDS"

// preserved is how many descriptors the process inherits after stderr.
func preserved() int {
	n, _ := strconv.Atoi(os.Getenv(PreserveFDsEnv))
	return max(n, 0)
}

// Config is what the monitor sends the init.
type Config struct {
	Spec *specs.Spec
	// Reaper runs the process under skiff as PID 1 (--init).
	Reaper bool
	// InUserNS is true when the container runs in a user namespace skiff
	// does not own fully (rootless): devices are bind-mounted, not made.
	InUserNS bool
	// SetupLoopback brings up lo in a network namespace made for the
	// container alone.
	SetupLoopback bool
	// Cgroups are the directories of the container's cgroup (one per v1
	// hierarchy) the init joins first; UnshareCgroupNS then gives it its
	// cgroup namespace (the monitor did not), rooted at that cgroup.
	Cgroups         []string `json:",omitempty"`
	UnshareCgroupNS bool     `json:",omitempty"`
	// Seccomp is the container's compiled seccomp filter (nil: none).
	Seccomp *seccomp.Filter
	// Infra, when set, makes the init exec its own program (skiff's
	// binary, or the roles' program of runtime/initexe) with this
	// environment (the infra role, runtime/infra) instead of the spec's
	// program: a pod's infra container has no image.
	Infra []string
}

// Messages on the sync socket.
const (
	msgConsole = "console"
	msgError   = "error "
)

// ParseSyncMessage reads one sync message: console is true for the
// console message; otherwise code and msg describe a start error.
func ParseSyncMessage(b []byte) (console bool, code int, msg string, err error) {
	s := string(b)
	if s == msgConsole {
		return true, 0, "", nil
	}
	rest, ok := strings.CutPrefix(s, msgError)
	if !ok {
		return false, 0, "", fmt.Errorf("garbled message from the container init: %q", s)
	}
	codeStr, msg, _ := strings.Cut(rest, " ")
	code, err = strconv.Atoi(codeStr)
	if err != nil {
		return false, 0, "", fmt.Errorf("garbled message from the container init: %q", s)
	}
	return false, code, msg, nil
}

// Main is the init role's entry point; it returns only on failure, with
// the exit code.
func Main() int {
	goruntime.LockOSThread()
	// Inherited descriptors must not reach the container's process; the
	// sync socket's closing at exec is what tells the monitor exec worked.
	n := preserved()
	unix.CloseOnExec(ConfigFD + n)
	unix.CloseOnExec(SyncFD + n)
	sync := os.NewFile(uintptr(SyncFD+n), "sync")
	cfg, err := readConfig(n)
	if err == nil {
		err = run(cfg, sync)
	}
	return fail(sync, err)
}

func readConfig(preserved int) (*Config, error) {
	f := os.NewFile(uintptr(ConfigFD+preserved), "config")
	defer f.Close()
	var cfg Config
	if err := json.NewDecoder(f).Decode(&cfg); err != nil {
		return nil, fmt.Errorf("reading the container configuration: %w", err)
	}
	if cfg.Spec == nil || cfg.Spec.Process == nil || cfg.Spec.Root == nil {
		return nil, errors.New("incomplete container configuration")
	}
	return &cfg, nil
}

// run prepares the container and execs its process; it returns only on
// failure.
func run(cfg *Config, sync *os.File) error {
	s := cfg.Spec
	self := -1
	if cfg.Infra != nil {
		// The init's own program, held before pivot_root hides its path.
		fd, err := unix.Open("/proc/self/exe", unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("opening the init's program for the infra process: %w", err)
		}
		self = fd
	}
	if err := joinCgroup(cfg); err != nil {
		return err
	}
	if cfg.SetupLoopback {
		if err := netns.LoopbackUp(); err != nil {
			return fmt.Errorf("bringing up the loopback interface: %w", err)
		}
	}
	if err := setupRootfs(cfg); err != nil {
		return err
	}
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("setting the hostname: %w", err)
		}
	}
	if s.Domainname != "" {
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return fmt.Errorf("setting the domain name: %w", err)
		}
	}
	if s.Process.Terminal {
		if err := setupConsole(sync, s.Process, !cfg.Reaper); err != nil {
			return err
		}
	}
	if err := prepareCwd(s.Process, true); err != nil {
		return err
	}
	path := ""
	if self < 0 {
		var err error
		if path, err = lookPath(s.Process.Args[0], s.Process.Env); err != nil {
			return err
		}
	}
	if err := setLimits(s.Process); err != nil {
		return err
	}
	if err := confine(s.Process, cfg.Seccomp); err != nil {
		return err
	}
	// Changing credentials cleared the parent-death signal the monitor
	// set: arm it again so the container dies with its monitor. (Not for
	// exec: its process outlives the CLI that started it, exec -d.)
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return err
	}
	if self >= 0 {
		return execError(s.Process.Args[0], execSelf(self, s.Process.Args, cfg.Infra))
	}
	if cfg.Reaper {
		return reap(path, s.Process, sync)
	}
	return execError(s.Process.Args[0], unix.Exec(path, s.Process.Args, s.Process.Env))
}

// fail reports err to the monitor and returns the exit code it maps to.
func fail(sync *os.File, err error) int {
	code := errdefs.ExitCode(err)
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if _, werr := sync.Write([]byte(msgError + strconv.Itoa(code) + " " + msg)); werr != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return code
}

// execError maps an exec failure to docker's message and exit code.
func execError(name string, err error) error {
	switch {
	case errors.Is(err, unix.ENOENT):
		return errdefs.New(errdefs.ErrCommandNotFound, "exec: %q: no such file or directory", name)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.ENOEXEC), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EPERM):
		return errdefs.New(errdefs.ErrCannotInvoke, "exec: %q: %v", name, err)
	}
	return fmt.Errorf("exec: %q: %w", name, err)
}

// execSelf execs the binary open as fd (execveat with AT_EMPTY_PATH).
func execSelf(fd int, argv, env []string) error {
	empty, err := unix.BytePtrFromString("")
	if err != nil {
		return err
	}
	argvp, err := cStrings(argv)
	if err != nil {
		return err
	}
	envp, err := cStrings(env)
	if err != nil {
		return err
	}
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return errno
}

// cStrings is a NULL-terminated array of C strings.
func cStrings(ss []string) ([]*byte, error) {
	out := make([]*byte, len(ss)+1)
	for i, s := range ss {
		p, err := unix.BytePtrFromString(s)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}
