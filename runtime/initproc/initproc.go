// Package initproc is the code that runs inside a container's new
// namespaces: the "init" role of the skiff binary. It mounts the container's
// filesystems, pivots into the root filesystem, sets the hostname, sysctls,
// console, credentials and capabilities, and finally execs the user's
// process as PID 1 (or, with --init, runs it under a small reaper).
//
// It talks to its parent, the monitor, over two inherited descriptors: a
// pipe carrying the Config as JSON (fd 3) and a SOCK_SEQPACKET socket
// (fd 4) for the console master and start errors. The socket is close-on-
// exec, so its end-of-file tells the monitor that exec succeeded.
//
// It must not import storage, netns or runtime/container.
package initproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Role is the value of _SKIFF_ROLE that makes main call Main.
const Role = "init"

// File descriptors the monitor passes.
const (
	ConfigFD = 3
	SyncFD   = 4
)

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
}

// Message is one message on the sync socket from init to monitor.
type Message struct {
	// Type is "console" (the pty master rides along as SCM_RIGHTS) or
	// "error".
	Type string `json:"type"`
	// Code is the exit code an error maps to (125, 126, 127).
	Code int    `json:"code,omitempty"`
	Msg  string `json:"msg,omitempty"`
}

// Main is the init role's entry point; it returns only on failure, with
// the exit code.
func Main() int {
	goruntime.LockOSThread()
	// Inherited descriptors must not reach the container's process; the
	// sync socket's closing at exec is what tells the monitor exec worked.
	unix.CloseOnExec(ConfigFD)
	unix.CloseOnExec(SyncFD)
	sync := os.NewFile(SyncFD, "sync")
	cfg, err := readConfig()
	if err == nil {
		err = run(cfg, sync)
	}
	return fail(sync, err)
}

func readConfig() (*Config, error) {
	f := os.NewFile(ConfigFD, "config")
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
	if cfg.SetupLoopback {
		if err := loopbackUp(); err != nil {
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
	path, err := lookPath(s.Process.Args[0], s.Process.Env)
	if err != nil {
		return err
	}
	if err := setupCredentials(s.Process); err != nil {
		return err
	}
	if cfg.Reaper {
		return reap(path, s.Process, sync)
	}
	return execError(s.Process.Args[0], unix.Exec(path, s.Process.Args, s.Process.Env))
}

// fail reports err to the monitor and returns the exit code it maps to.
func fail(sync *os.File, err error) int {
	code := errdefs.ExitCode(err)
	b, _ := json.Marshal(Message{Type: "error", Code: code, Msg: err.Error()})
	if _, werr := sync.Write(b); werr != nil {
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
