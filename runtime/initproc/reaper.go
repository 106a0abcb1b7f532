package initproc

import (
	"os"
	"os/exec"
	"os/signal"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// reap is --init: skiff stays PID 1, starts the process as its child,
// forwards the signals it receives to it, reaps every orphan, and exits
// with the process's status. The child inherits this thread's credentials
// and capabilities (setupCredentials ran already).
func reap(path string, p *specs.Process, sync *os.File) error {
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	cmd := exec.Command(path)
	cmd.Args = p.Args
	cmd.Env = p.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for i := range preserved() {
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(3+i), "preserved"))
	}
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: p.Terminal, Setctty: p.Terminal, Ctty: 0}
	if err := cmd.Start(); err != nil {
		return execError(p.Args[0], err)
	}
	sync.Close() // start succeeded: the monitor sees end-of-file
	child := cmd.Process.Pid
	go func() {
		for s := range sigs {
			if s == unix.SIGCHLD {
				continue
			}
			_ = unix.Kill(child, s.(unix.Signal))
		}
	}()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			os.Exit(errdefs.ExitSkiff)
		}
		if pid != child {
			continue
		}
		if ws.Signaled() {
			os.Exit(errdefs.ExitSignalShift + int(ws.Signal()))
		}
		os.Exit(ws.ExitStatus())
	}
}
