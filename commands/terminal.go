package commands

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/moby/term"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/attach"
	"github.com/skiff-containers/skiff/runtime/container"
)

// terminal is the caller's side of an attached container: the streams,
// raw mode, window size changes and signal forwarding.
type terminal struct {
	options  *container.AttachOptions
	restores []func()
}

// attachTerminal prepares the attach options of run, start -a and attach.
func attachTerminal(c *cli.Context, stdin, tty, sigProxy bool) (*terminal, error) {
	keys, err := container.ParseDetachKeys(c.String("detach-keys"))
	if err != nil {
		return nil, err
	}
	t := &terminal{options: &container.AttachOptions{
		Stdout: containerStdout(c), Stderr: c.App.ErrWriter, DetachKeys: keys,
	}}
	if stdin {
		t.options.Stdin = os.Stdin
	}
	inFd, inTerm := term.GetFdInfo(os.Stdin)
	outFd, outTerm := term.GetFdInfo(os.Stdout)
	if tty && stdin && inTerm {
		state, err := term.SetRawTerminal(inFd)
		if err == nil {
			t.restores = append(t.restores, func() { _ = term.RestoreTerminal(inFd, state) })
		}
	}
	if tty && outTerm {
		ch := make(chan attach.Resize, 4)
		if ws, err := term.GetWinsize(outFd); err == nil {
			t.options.Size = &attach.Resize{Rows: ws.Height, Cols: ws.Width}
		}
		send := func() {
			if ws, err := term.GetWinsize(outFd); err == nil {
				select {
				case ch <- attach.Resize{Rows: ws.Height, Cols: ws.Width}:
				default:
				}
			}
		}
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		go func() {
			for range winch {
				send()
			}
		}()
		t.restores = append(t.restores, func() { signal.Stop(winch) })
		t.options.Resize = ch
	}
	if sigProxy && !tty {
		// Each signal taken over costs a round trip to the Go runtime's
		// signal thread: the usual ones now, the fifty others in the
		// background, off the container start's path. They stay taken
		// until the command ends (undoing costs as much again).
		sigs := make(chan os.Signal, 16)
		first := []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}
		signal.Notify(sigs, first...)
		go signal.Notify(sigs, slices.DeleteFunc(proxiedSignals(), func(s os.Signal) bool { return slices.Contains(first, s) })...)
		t.options.Signals = sigs
	}
	return t, nil
}

// proxiedSignals are all catchable signals but those that concern only
// the CLI itself.
func proxiedSignals() []os.Signal {
	var out []os.Signal
	for s := syscall.Signal(1); s <= 64; s++ {
		switch s {
		case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, syscall.SIGPIPE, syscall.SIGURG, syscall.SIGWINCH:
			continue
		}
		if s >= 32 && s <= 33 { // glibc-reserved real-time signals
			continue
		}
		out = append(out, s)
	}
	return out
}

func (t *terminal) restore() {
	for i := len(t.restores) - 1; i >= 0; i-- {
		t.restores[i]()
	}
}

// errNotATTY is docker's refusal of -t with -i when stdin is no terminal
// (a pipe, a file, /dev/null): exit 1, as docker's CLI exits.
var errNotATTY = errdefs.WithExitCode(1, errors.New("the input device is not a TTY: -t needs a terminal on stdin; drop -t to pipe input (-i alone keeps stdin open)"))

// checkTTYInput applies the dialect's policy to -i and -t when stdin is
// not a terminal, before anything is created: docker refuses when the
// command would attach (not with -d), podman's run warns and goes on
// (whatever -d says, as podman does) and podman's exec says nothing.
func checkTTYInput(c *cli.Context, interactive, tty, detach, run bool) error {
	if !interactive || !tty || stdinIsTerminal() {
		return nil
	}
	switch dialect.Current().NoTTYInput {
	case dialect.TTYWarn:
		if run {
			fmt.Fprintln(c.App.ErrWriter, "WARNING: The input device is not a TTY. The --tty and --interactive flags might not work properly")
		}
	default:
		if !detach {
			return errNotATTY
		}
	}
	return nil
}
