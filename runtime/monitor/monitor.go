// Package monitor is the mechanism of a container's monitor process (the
// "monitor" role of the skiff binary, like podman's conmon): it starts the
// container's init in new namespaces, is its parent for its whole life,
// copies its output to the json-file log and to attached clients, feeds
// it input, and reaps it. What the exit means (state, --rm, restart) is
// decided by the Hooks the caller passes.
//
// It must not import storage or runtime/container: the container package
// drives it.
package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	goruntime "runtime"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/attach"
	"github.com/skiff-containers/skiff/runtime/initproc"
	"github.com/skiff-containers/skiff/runtime/logs"
)

// Options describe the container the monitor runs.
type Options struct {
	Init      initproc.Config
	OpenStdin bool
	StdinOnce bool
	LogPath   string
	// Socket is the attach socket's path; FirstClient an already
	// connected client (the CLI that started the container attached).
	Socket      string
	FirstClient *os.File
	Hooks       Hooks
}

// Result is how a run of the container ended.
type Result struct {
	Code     int
	Error    string
	Finished time.Time
	// StartFailed is true when the process never ran (exec failed).
	StartFailed bool
}

// Hooks carry the policy: the container package records state in them.
type Hooks interface {
	// Started is called once the process runs.
	Started(pid int) error
	// Exited is called after each run; it returns the delay before a
	// restart, or false to end the monitor.
	Exited(r Result) (restart bool, delay time.Duration)
}

// Run runs the container until it ends for good and returns the last
// result. It never returns before the process is reaped.
func Run(o Options) Result {
	signal.Ignore(unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGPIPE, unix.SIGTTIN, unix.SIGTTOU)
	hub := newHub(o.OpenStdin, o.StdinOnce)
	ln, err := attach.Listen(o.Socket)
	if err == nil {
		go hub.serve(ln)
		defer os.Remove(o.Socket)
	}
	if o.FirstClient != nil {
		// Registered before the process starts, so it sees all output.
		if c := hub.register(o.FirstClient); c != nil {
			go hub.serveClient(c)
		}
	}
	logw, err := logs.NewWriter(o.LogPath)
	if err != nil {
		r := Result{Code: errdefs.ExitSkiff, Error: "opening the log: " + err.Error(), Finished: time.Now().UTC(), StartFailed: true}
		o.Hooks.Exited(r)
		hub.exit(r)
		return r
	}
	defer logw.Close()
	hub.log = logw
	for {
		r := runOnce(&o, hub)
		restart, delay := o.Hooks.Exited(r)
		if !restart {
			hub.exit(r)
			return r
		}
		time.Sleep(delay)
	}
}

// runOnce starts the init and waits for it. The goroutine keeps its OS
// thread locked for the child's life: the kernel's parent-death signal is
// tied to the thread that forked, and setns may have changed that thread.
func runOnce(o *Options, hub *hub) Result {
	done := make(chan Result, 1)
	go func() {
		goruntime.LockOSThread()
		done <- startAndWait(o, hub)
	}()
	return <-done
}

func startAndWait(o *Options, hub *hub) Result {
	failed := func(code int, err error) Result {
		return Result{Code: code, Error: err.Error(), Finished: time.Now().UTC(), StartFailed: true}
	}
	s := o.Init.Spec
	if sz := hub.consoleSize(); sz != nil && s.Process.Terminal {
		// The init sizes the terminal before exec: the process may ask
		// for its size at once.
		s.Process.ConsoleSize = &specs.Box{Height: uint(sz.Rows), Width: uint(sz.Cols)}
	}
	cloneFlags, err := joinNamespaces(s.Linux.Namespaces)
	if err != nil {
		return failed(errdefs.ExitSkiff, err)
	}
	stdio, err := newStdio(s.Process.Terminal, o.OpenStdin)
	if err != nil {
		return failed(errdefs.ExitSkiff, err)
	}
	defer stdio.closeAll()
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return failed(errdefs.ExitSkiff, err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return failed(errdefs.ExitSkiff, err)
	}
	syncParent, syncChild := os.NewFile(uintptr(fds[0]), "sync"), os.NewFile(uintptr(fds[1]), "sync")
	defer syncParent.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"skiff-init"}
	cmd.Env = []string{"_SKIFF_ROLE=" + initproc.Role}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.childIn, stdio.childOut, stdio.childErr
	cmd.ExtraFiles = []*os.File{cfgR, syncChild}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: cloneFlags, Setsid: true, Pdeathsig: unix.SIGKILL}
	err = cmd.Start()
	cfgR.Close()
	syncChild.Close()
	stdio.closeChildEnds()
	if err != nil {
		cfgW.Close()
		return failed(errdefs.ExitSkiff, fmt.Errorf("starting the container init: %w", err))
	}
	_ = json.NewEncoder(cfgW).Encode(&o.Init)
	cfgW.Close()
	startErr := readSync(syncParent, stdio)
	if startErr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return failed(startErr.code, errors.New(startErr.msg))
	}
	if err := o.Hooks.Started(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
	}
	pumps := hub.pump(stdio)
	state, _ := cmd.Process.Wait()
	finished := time.Now().UTC()
	hub.stopInput()
	pumps.Wait()
	return Result{Code: exitCode(state), Finished: finished}
}

// startError is an error the init reported before exec.
type startError struct {
	code int
	msg  string
}

// readSync waits for the init to exec (end-of-file) or fail, taking the
// console master on the way.
func readSync(sock *os.File, stdio *stdio) *startError {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return nil
		}
		var m initproc.Message
		if json.Unmarshal(buf[:n], &m) != nil {
			return &startError{errdefs.ExitSkiff, "garbled message from the container init"}
		}
		switch m.Type {
		case "console":
			msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
			if len(msgs) == 1 {
				if fds, _ := unix.ParseUnixRights(&msgs[0]); len(fds) == 1 {
					stdio.setConsole(os.NewFile(uintptr(fds[0]), "console"))
				}
			}
		case "error":
			return &startError{m.Code, m.Msg}
		}
	}
}

// joinNamespaces enters, on the calling (locked) thread, the namespaces
// the spec gives a path for, so the child is born in them, and returns the
// clone flags for the namespaces to create.
func joinNamespaces(nss []specs.LinuxNamespace) (uintptr, error) {
	var flags uintptr
	for _, ns := range nss {
		flag, ok := nsFlags[ns.Type]
		if !ok {
			return 0, fmt.Errorf("unsupported namespace %q", ns.Type)
		}
		if ns.Path == "" {
			flags |= flag
			continue
		}
		fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return 0, fmt.Errorf("opening %s namespace %s: %w", ns.Type, ns.Path, err)
		}
		err = unix.Setns(fd, int(flag))
		unix.Close(fd)
		if err != nil {
			return 0, fmt.Errorf("joining %s namespace %s: %w", ns.Type, ns.Path, err)
		}
	}
	return flags, nil
}

var nsFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace: unix.CLONE_NEWPID, specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace: unix.CLONE_NEWNS, specs.IPCNamespace: unix.CLONE_NEWIPC,
	specs.UTSNamespace: unix.CLONE_NEWUTS, specs.CgroupNamespace: unix.CLONE_NEWCGROUP,
	specs.UserNamespace: unix.CLONE_NEWUSER,
}

func exitCode(state *os.ProcessState) int {
	if state == nil {
		return errdefs.ExitSkiff
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return errdefs.ExitSignalShift + int(ws.Signal())
	}
	return state.ExitCode()
}
