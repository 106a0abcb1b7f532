package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A command blocked on another's lock says once on stderr what it waits
// for and who holds it, then goes on when the lock is released.
func TestLockWaitMessage(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("create", "--name", "locked", img, "true").Success(t).Out()
	f, err := os.OpenFile(filepath.Join(e.Root, "skiff", "containers", id, "lock"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	done := make(chan Result)
	go func() { done <- e.Skiff("rm", "locked") }()
	select {
	case r := <-done:
		t.Fatalf("rm did not wait for the lock: %+v", r)
	case <-time.After(7 * time.Second): // the report comes after 5 s
	}
	f.Close()
	r := (<-done).Success(t)
	want := fmt.Sprintf("skiff: waiting for container %s's lock, held by pid %d (", id[:12], os.Getpid())
	if strings.Count(r.Stderr, "waiting for") != 1 || !strings.HasPrefix(r.Stderr, want) {
		t.Errorf("stderr %q, want one line starting %q", r.Stderr, want)
	}
	if e.Skiff("inspect", "locked").Code == 0 {
		t.Error("the container is still there")
	}
}
