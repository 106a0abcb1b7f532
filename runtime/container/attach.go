package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/term"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/attach"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// ErrDetached is returned when the user typed the detach keys.
var ErrDetached = errors.New("detached from the container")

// AttachOptions connect a container's streams with the caller's.
type AttachOptions struct {
	Stdin  io.Reader // nil: do not attach input
	Stdout io.Writer // nil: do not attach output
	Stderr io.Writer // nil: do not attach error output
	// DetachKeys end the attachment when typed on Stdin (nil: never).
	DetachKeys []byte
	// Size is the caller's terminal size now; Resize carries its changes.
	Size   *attach.Resize
	Resize <-chan attach.Resize
	// Signals are forwarded to the container's process (--sig-proxy).
	Signals <-chan os.Signal
}

// ParseDetachKeys parses docker's --detach-keys ("ctrl-p,ctrl-q", "a,b").
func ParseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var out []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case strings.HasPrefix(k, "ctrl-") && len(k) == 6:
			ch := k[5]
			switch {
			case ch >= 'a' && ch <= 'z':
				out = append(out, ch-'a'+1)
			case ch == '@':
				out = append(out, 0)
			case ch == '[':
				out = append(out, 27)
			case ch == '\\':
				out = append(out, 28)
			case ch == ']':
				out = append(out, 29)
			case ch == '^':
				out = append(out, 30)
			case ch == '_':
				out = append(out, 31)
			default:
				return nil, errdefs.Invalid("invalid detach key %q", k)
			}
		default:
			return nil, errdefs.Invalid("invalid detach keys %q: use a comma-separated list like ctrl-p,ctrl-q", s)
		}
	}
	return out, nil
}

// clientPair makes an attach connection for a container about to start:
// the caller's end with the hello already sent, and the monitor's end.
// With cleanup the caller offers to record the exit and clean up itself
// (attach.KindReaped).
func clientPair(a *AttachOptions, cleanup bool) (net.Conn, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	mine := os.NewFile(uintptr(fds[0]), "attach")
	conn, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, err
	}
	if err := sayHello(conn, a, cleanup); err != nil {
		conn.Close()
		unix.Close(fds[1])
		return nil, nil, err
	}
	return conn, os.NewFile(uintptr(fds[1]), "attach-monitor"), nil
}

func sayHello(conn net.Conn, a *AttachOptions, cleanup bool) error {
	return attach.WriteHello(conn, attach.Hello{
		Stdin: a.Stdin != nil, Stdout: a.Stdout != nil, Stderr: a.Stderr != nil, Size: a.Size, Cleanup: cleanup,
	})
}

// Attach connects to a running container's monitor and streams until the
// container exits (its exit code is returned) or the user detaches.
func Attach(ctx context.Context, e *engine.Engine, ref string, a *AttachOptions) (int, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return 0, err
	}
	if !c.State.Running() {
		return 0, errdefs.Conflict("you cannot attach to a stopped container, start it first")
	}
	switch c.State.Status {
	case StatusPaused:
		return 0, errdefs.Conflict("you cannot attach to a paused container, unpause it first")
	case StatusRestarting:
		return 0, errdefs.Conflict("you cannot attach to a restarting container, wait until it is running")
	}
	conn, err := attach.Dial(filepath.Join(c.RunDir(), "attach.sock"))
	if err != nil {
		return 0, fmt.Errorf("connecting to the monitor of %s: %w", c.ShortID(), err)
	}
	if err := sayHello(conn, a, false); err != nil {
		conn.Close()
		return 0, err
	}
	return c.stream(ctx, conn, a)
}

// stream copies between conn and the caller until the exit frame.
func (c *Container) stream(ctx context.Context, conn net.Conn, a *AttachOptions) (int, error) {
	defer conn.Close()
	var wmu chanMutex = make(chan struct{}, 1)
	send := func(kind byte, p []byte) error {
		wmu.lock()
		defer wmu.unlock()
		return attach.WriteFrame(conn, kind, p)
	}
	detached := make(chan struct{})
	if a.Stdin != nil {
		go c.pumpStdin(a, send, detached)
	}
	stop := make(chan struct{})
	defer close(stop)
	go c.forwardEvents(a, send, stop)
	type result struct {
		code   int
		reaped *attach.Reaped
		err    error
	}
	done := make(chan result, 1)
	go func() {
		code, reaped, err := readOutput(conn, a)
		done <- result{code, reaped, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return c.exitAfterLostMonitor(r.err)
		}
		if r.reaped != nil {
			// The monitor handed the exit over (clientPair's offer). A
			// restart policy set since (update) leaves it to the
			// monitor's cleanup role: closing without an answer does.
			if o, _ := recordExit(c.e, c.ID, c.State.MonitorPid, r.reaped.Code, r.reaped.Finished, false); o != exitDeclined {
				_ = send(attach.KindCleanedUp, nil)
			}
		}
		return r.code, nil
	case <-detached:
		return 0, ErrDetached
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

type chanMutex chan struct{}

func (m chanMutex) lock()   { m <- struct{}{} }
func (m chanMutex) unlock() { <-m }

func (c *Container) pumpStdin(a *AttachOptions, send func(byte, []byte) error, detached chan struct{}) {
	in := a.Stdin
	if len(a.DetachKeys) > 0 {
		in = term.NewEscapeProxy(in, a.DetachKeys)
	}
	buf := make([]byte, 32*1024)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if send(attach.KindStdin, buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			var esc term.EscapeError
			if errors.As(err, &esc) {
				close(detached)
				return
			}
			_ = send(attach.KindCloseStdin, nil)
			return
		}
	}
}

func (c *Container) forwardEvents(a *AttachOptions, send func(byte, []byte) error, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case r, ok := <-a.Resize:
			if !ok {
				a.Resize = nil
				continue
			}
			_ = send(attach.KindResize, []byte(fmt.Sprintf("%d %d", r.Rows, r.Cols)))
		case s, ok := <-a.Signals:
			if !ok {
				a.Signals = nil
				continue
			}
			if sig, ok := s.(unix.Signal); ok {
				if fresh, err := load(c.e, c.ID); err == nil {
					_ = fresh.signal(sig, fresh.userStop(sig)) // as kill: docker's sig-proxy calls kill
				}
			}
		}
	}
}

// readOutput copies output frames until the exit frame, or the exit
// report of a monitor that hands the cleanup over.
func readOutput(conn net.Conn, a *AttachOptions) (int, *attach.Reaped, error) {
	for {
		kind, payload, err := attach.ReadFrame(conn)
		if err != nil {
			return 0, nil, err
		}
		switch kind {
		case attach.KindStdout:
			if a.Stdout != nil {
				_, _ = a.Stdout.Write(payload)
			}
		case attach.KindStderr:
			if a.Stderr != nil {
				_, _ = a.Stderr.Write(payload)
			}
		case attach.KindExit:
			var info attach.ExitInfo
			_ = json.Unmarshal(payload, &info)
			return info.Code, nil, nil
		case attach.KindReaped:
			r, err := attach.ParseReaped(payload)
			if err != nil {
				return 0, nil, err
			}
			return r.Code, &r, nil
		}
	}
}

// exitAfterLostMonitor answers for a connection that ended without an
// exit frame: the monitor died; the state says what is known.
func (c *Container) exitAfterLostMonitor(cause error) (int, error) {
	fresh, err := load(c.e, c.ID)
	if err != nil {
		return 0, fmt.Errorf("lost the connection to the container's monitor: %w", cause)
	}
	if fresh.State.Running() {
		return 0, fmt.Errorf("lost the connection to the monitor of %s, which still runs: %w", c.ShortID(), cause)
	}
	return fresh.State.ExitCode, nil
}
