package initproc

import (
	"encoding/json"
	"fmt"
	"os"
	goruntime "runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/seccomp"
)

// RoleMain runs the init or the exec role when _SKIFF_ROLE names one,
// and returns its exit code and true; false for any other role. skiff's
// main and the roles' own program (runtime/initexe) dispatch through it.
func RoleMain() (code int, ok bool) {
	switch os.Getenv("_SKIFF_ROLE") {
	case Role:
		return Main(), true
	case ExecRole:
		return ExecMain(), true
	}
	return 0, false
}

// ExecRole is the value of _SKIFF_ROLE that makes main call ExecMain: a
// process started inside a running container's namespaces (exec).
const ExecRole = "exec"

// Descriptors of the exec role: 3 is the config pipe, 4 the sync socket,
// 5 the sealed binary the role was executed from, which it closes first.
const (
	execConfigFD = 3
	execSyncFD   = 4
	ExecExeFD    = 5
)

// ExecConfig is what the exec caller sends.
type ExecConfig struct {
	Process *specs.Process
	// MountNS is the container's mount namespace (/proc/PID/ns/mnt, a
	// host path); the process enters it itself, as its last step before
	// the terminal and credentials.
	MountNS string
	// Seccomp is the container's compiled seccomp filter (nil: none).
	Seccomp *seccomp.Filter
}

// ExecMain runs in a container's namespaces: the caller entered all but
// the mount namespace before forking this process, which enters that one
// on its exec thread, sets up the terminal, credentials and working
// directory, and execs the command. It returns only on failure.
func ExecMain() int {
	goruntime.LockOSThread()
	unix.Close(ExecExeFD)
	// Descriptors the exec caller inherited from its own caller must not
	// reach the container (the init's monitor closes them the same way).
	_ = unix.CloseRange(ExecExeFD+1, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	unix.CloseOnExec(execConfigFD)
	unix.CloseOnExec(execSyncFD)
	sync := os.NewFile(execSyncFD, "sync")
	var cfg ExecConfig
	f := os.NewFile(execConfigFD, "config")
	err := json.NewDecoder(f).Decode(&cfg)
	f.Close()
	if err == nil && (cfg.Process == nil || len(cfg.Process.Args) == 0) {
		err = fmt.Errorf("incomplete exec configuration")
	}
	if err == nil {
		err = enterMountNS(cfg.MountNS)
	}
	if err == nil {
		err = execProcess(cfg.Process, cfg.Seccomp, sync)
	}
	return fail(sync, err)
}

// enterMountNS moves the calling thread into the mount namespace at path.
// The thread first gets a filesystem context of its own (Go threads share
// one); the exec that follows makes the thread's view the process's.
func enterMountNS(path string) error {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unsharing the filesystem context: %w", err)
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening the container's mount namespace: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("entering the container's mount namespace: %w", err)
	}
	return nil
}

func execProcess(p *specs.Process, filter *seccomp.Filter, sync *os.File) error {
	if p.Terminal {
		if err := setupConsole(sync, p, true); err != nil {
			return err
		}
	}
	if err := prepareCwd(p, false); err != nil {
		return err
	}
	path, err := lookPath(p.Args[0], p.Env)
	if err != nil {
		return err
	}
	if err := setLimits(p); err != nil {
		return err
	}
	if err := confine(p, filter); err != nil {
		return err
	}
	// The process dies with the role's relay outside the container's pid
	// namespace (rootless/nsjoin; its parent there shows as pid 0), which
	// changing credentials forgot.
	if unix.Getppid() == 0 {
		if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
			return err
		}
	}
	return execError(p.Args[0], unix.Exec(path, p.Args, p.Env))
}
