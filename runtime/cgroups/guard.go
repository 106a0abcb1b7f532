package cgroups

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.podman.io/storage/pkg/reexec"
)

// guardRole is the re-exec name of the thaw guard.
const guardRole = "skiff-thaw-guard"

// The guard is a re-exec handler (go.podman.io/storage/pkg/reexec, which
// main runs first), not a command: it has no command line.
func init() {
	reexec.Register(guardRole, thawGuard)
}

// FreezeGuarded freezes the cgroup at path and returns the function that
// thaws it. A small guard process thaws it too if skiff dies first
// (kill -9 during commit), so a container is never left frozen by an
// operation that did not finish.
func FreezeGuarded(path string) (thaw func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := reexec.Command(guardRole, path)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("starting the thaw guard: %w", err)
	}
	r.Close()
	go func() { _ = cmd.Wait() }()
	if err := Freeze(path); err != nil {
		w.Close()
		_ = Thaw(path)
		return nil, err
	}
	return func() {
		_ = Thaw(path)
		w.Close()
	}, nil
}

// thawGuard waits for its parent to close stdin (or die), then thaws.
func thawGuard() {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	_, _ = io.Copy(io.Discard, os.Stdin)
	if len(os.Args) > 1 {
		_ = Thaw(os.Args[1])
	}
	os.Exit(0)
}
