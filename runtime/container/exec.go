package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/moby/term"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/attach"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/initproc"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// ExecOptions are exec's flags and the caller's streams.
type ExecOptions struct {
	Cmd        []string
	Env        []string
	EnvFiles   []string
	WorkingDir string
	User       string
	Privileged bool
	Tty        bool
	Detach     bool
	DetachKeys []byte
	Stdin      io.Reader // nil: no input
	Stdout     io.Writer
	Stderr     io.Writer
	Size       *attach.Resize // the caller's terminal size now
	Resize     <-chan attach.Resize
}

// Exec runs a command in a running container and returns its exit code
// (or 0 at once with Detach). The caller already is in the container's
// user namespace (docs/internal.md), so it enters the other namespaces
// from a locked thread and forks the exec role of skiff from there.
func Exec(ctx context.Context, e *engine.Engine, ref string, o ExecOptions) (int, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return 0, err
	}
	switch {
	case c.State.Status == StatusPaused:
		return 0, errdefs.Conflict("container %s is paused, unpause the container before exec", c.ShortID())
	case c.State.Status == StatusRestarting:
		return 0, errRestarting(c)
	case c.State.Status != StatusRunning:
		return 0, errdefs.Conflict("container %s is not running", c.ShortID())
	}
	p, err := c.execProcess(&o)
	if err != nil {
		return 0, err
	}
	x, err := c.startExec(p, &o)
	if err != nil {
		return 0, err
	}
	c.event("exec_start: " + strings.Join(p.Args, " "))
	if o.Detach {
		go func() { _ = x.cmd.Wait() }()
		return 0, nil
	}
	code, err := x.wait(ctx, &o)
	if err == nil {
		c.event("exec_die", "exitCode", strconv.Itoa(code))
	}
	return code, err
}

// execProcess builds the process of an exec from the container's.
func (c *Container) execProcess(o *ExecOptions) (*specs.Process, error) {
	if len(o.Cmd) == 0 {
		return nil, errdefs.Invalid("no command given to exec")
	}
	files, err := spec.LoadEnvFiles(o.EnvFiles)
	if err != nil {
		return nil, errdefs.Invalid("%v", err)
	}
	if c.Spec == nil {
		return nil, errSpecMissing(c)
	}
	s := *c.Spec
	p := *s.Process
	s.Process = &p
	p.Args = o.Cmd
	p.Terminal = o.Tty
	if o.Tty && o.Size != nil {
		p.ConsoleSize = &specs.Box{Height: uint(o.Size.Rows), Width: uint(o.Size.Cols)}
	}
	p.Env = spec.MergeEnv(c.Config.Env, files, o.Env, os.LookupEnv)
	if o.WorkingDir != "" {
		p.Cwd = o.WorkingDir
	}
	p.User = specs.User{Username: c.Config.User}
	if o.User != "" {
		p.User.Username = o.User
	}
	caps := *p.Capabilities
	p.Capabilities = &caps
	if o.Privileged {
		all := spec.AllCaps()
		caps.Bounding, caps.Effective, caps.Permitted = all, all, all
		p.NoNewPrivileges = false
	}
	if err := spec.Finalize(&s, fmt.Sprintf("/proc/%d/root", c.State.Pid), c.HostConfig.GroupAdd); err != nil {
		return nil, err
	}
	return &p, nil
}

// execution is a started exec.
type execution struct {
	cmd     *exec.Cmd
	console *os.File
}

func (c *Container) startExec(p *specs.Process, o *ExecOptions) (*execution, error) {
	if err := c.sameUserNamespace(); err != nil {
		return nil, err
	}
	filter, err := c.seccompFilter()
	if err != nil {
		return nil, err
	}
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer cfgW.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		cfgR.Close()
		return nil, err
	}
	syncParent, syncChild := os.NewFile(uintptr(fds[0]), "sync"), os.NewFile(uintptr(fds[1]), "sync")
	defer syncParent.Close()
	exe, err := c.sealedExe()
	if err != nil {
		cfgR.Close()
		syncChild.Close()
		return nil, err
	}
	defer exe.Close()
	// The role runs from the sealed binary, passed as its descriptor 5.
	cmd := exec.Command(fmt.Sprintf("/proc/self/fd/%d", initproc.ExecExeFD))
	cmd.Args = []string{"skiff-exec"}
	cmd.Env = []string{"_SKIFF_ROLE=" + initproc.ExecRole, fmt.Sprintf("_SKIFF_EXEC_PIDNS=/proc/%d/ns/pid", c.State.Pid)}
	if c.HostConfig.UsernsMode == "keep-id" {
		cmd.Env = append(cmd.Env, "_SKIFF_EXEC_USERNS="+fmt.Sprintf("/proc/%d/ns/user", c.State.Pid))
	}
	cmd.ExtraFiles = []*os.File{cfgR, syncChild, exe}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if !o.Tty && !o.Detach {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	}
	err = c.forkInNamespaces(cmd)
	cfgR.Close()
	syncChild.Close()
	if err != nil {
		return nil, err
	}
	// it waits for its configuration: nothing of it runs before it is in
	// the container's cgroup (its limits count the exec too, as docker's)
	if err := c.addToCgroup(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	_ = json.NewEncoder(cfgW).Encode(initproc.ExecConfig{Process: p, MountNS: fmt.Sprintf("/proc/%d/ns/mnt", c.State.Pid), Seccomp: filter})
	cfgW.Close()
	x := &execution{cmd: cmd}
	if err := x.readSync(syncParent); err != nil {
		_ = cmd.Wait()
		return nil, err
	}
	return x, nil
}

// sameUserNamespace refuses containers with a user namespace of their own:
// a running Go process cannot enter one.
func (c *Container) sameUserNamespace() error {
	if c.HostConfig.UsernsMode == "keep-id" {
		return nil // the exec role enters it before the Go runtime starts (rootless/nsjoin)
	}
	var mine, theirs unix.Stat_t
	if unix.Stat("/proc/self/ns/user", &mine) != nil || unix.Stat("/proc/"+strconv.Itoa(c.State.Pid)+"/ns/user", &theirs) != nil {
		return nil
	}
	if mine.Ino != theirs.Ino {
		return errdefs.Invalid("exec into container %s, which has a user namespace of its own, is not supported", c.ShortID())
	}
	return nil
}

// forkInNamespaces starts cmd from a thread that entered the container's
// namespaces but the mount and pid namespaces, which the child enters
// itself (from inside the mount namespace the skiff binary could not be
// found; inside the pid namespace the container would see it, see
// rootless/nsjoin); the thread is never returned to the Go scheduler.
func (c *Container) forkInNamespaces(cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() {
		goruntime.LockOSThread() // never unlocked: the thread dies with the goroutine
		done <- enterAndStart(c.State.Pid, cmd)
	}()
	return <-done
}

func enterAndStart(pid int, cmd *exec.Cmd) error {
	for _, ns := range []struct {
		name string
		flag int
	}{{"ipc", unix.CLONE_NEWIPC}, {"uts", unix.CLONE_NEWUTS}, {"net", unix.CLONE_NEWNET},
		{"cgroup", unix.CLONE_NEWCGROUP}} { // pid: the role enters it (rootless/nsjoin)
		fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, ns.name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("opening the container's %s namespace: %w", ns.name, err)
		}
		err = unix.Setns(fd, ns.flag)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("entering the container's %s namespace: %w", ns.name, err)
		}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the exec process: %w", err)
	}
	return nil
}

func (x *execution) readSync(sock *os.File) error {
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
		console, code, msg, err := initproc.ParseSyncMessage(buf[:n])
		if err != nil {
			return err
		}
		if !console {
			return &StartError{Code: code, Msg: msg}
		}
		if msgs, _ := unix.ParseSocketControlMessage(oob[:oobn]); len(msgs) == 1 {
			if fds, _ := unix.ParseUnixRights(&msgs[0]); len(fds) == 1 {
				x.console = os.NewFile(uintptr(fds[0]), "console")
			}
		}
	}
}

// wait relays the terminal, if any, and returns the exit code.
func (x *execution) wait(ctx context.Context, o *ExecOptions) (int, error) {
	detached := make(chan struct{})
	outDone := make(chan struct{})
	if x.console != nil {
		defer x.console.Close()
		go func() {
			_, _ = io.Copy(o.Stdout, x.console)
			close(outDone)
		}()
		if o.Stdin != nil {
			go x.pumpConsole(o, detached)
		}
		go func() {
			for r := range o.Resize {
				_ = unix.IoctlSetWinsize(int(x.console.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: r.Rows, Col: r.Cols})
			}
		}()
	} else {
		close(outDone)
	}
	waited := make(chan error, 1)
	go func() { waited <- x.cmd.Wait() }()
	select {
	case <-detached:
		return 0, ErrDetached
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-waited:
	}
	<-outDone
	st := x.cmd.ProcessState
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return errdefs.ExitSignalShift + int(ws.Signal()), nil
	}
	return st.ExitCode(), nil
}

func (x *execution) pumpConsole(o *ExecOptions, detached chan struct{}) {
	in := o.Stdin
	if len(o.DetachKeys) > 0 {
		in = term.NewEscapeProxy(in, o.DetachKeys)
	}
	_, err := io.Copy(x.console, in)
	var esc term.EscapeError
	if errors.As(err, &esc) {
		close(detached)
		return
	}
	_, _ = x.console.Write([]byte{4}) // ^D: end of input
}
