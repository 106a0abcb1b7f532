package flock

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseLocks(t *testing.T) {
	in := `1: FLOCK  ADVISORY  WRITE 1234 00:2b:5678 0 EOF
1: -> FLOCK  ADVISORY  WRITE 1240 00:2b:5678 0 EOF
2: FLOCK  ADVISORY  READ 77 00:2b:5678 0 EOF
3: POSIX  ADVISORY  WRITE 99 00:2b:5678 0 EOF
4: FLOCK  ADVISORY  WRITE 55 fd:01:5678 0 EOF
`
	if got := parseLocks(strings.NewReader(in), 0, 0x2b, 5678); !reflect.DeepEqual(got, []int{1234, 77}) {
		t.Errorf("holders %v", got)
	}
}

// A wait is reported once, naming the lock and this process as holder
// (another open file description of the same file blocks as another
// process would); the lock is taken when released.
func TestLockReportsWait(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	a, _ := os.Create(p)
	defer a.Close()
	if err := Lock(a, unix.LOCK_EX, "a"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.Open(p)
	defer b.Close()
	var out bytes.Buffer
	Notice, Patience = &out, 0
	defer func() { Notice, Patience = os.Stderr, 5*time.Second }()
	done := make(chan error)
	go func() { done <- Lock(b, unix.LOCK_SH, "the test lock") }()
	for i := 0; i < 500 && out.Len() == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	a.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "skiff: waiting for the test lock, held by ") || strings.Count(got, "\n") != 1 {
		t.Errorf("report %q", got)
	}
}

func TestScanLocks(t *testing.T) {
	in := `1: POSIX  ADVISORY  WRITE 1234 00:2b:5678 0 EOF
1: -> POSIX  ADVISORY  WRITE 1240 00:2b:5678 0 EOF
2: FLOCK  ADVISORY  READ 77 00:2b:99 0 EOF
3: OFDLCK ADVISORY  READ -1 00:2b:5678 0 EOF
`
	var got []string
	scanLocks(strings.NewReader(in), func(waiter bool, kind string, pid int, key string) {
		got = append(got, fmt.Sprintf("%v %s %d %s", waiter, kind, pid, key))
	})
	want := []string{"false POSIX 1234 00:2b:5678", "true POSIX 1240 00:2b:5678", "false FLOCK 77 00:2b:99", "false OFDLCK -1 00:2b:5678"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

// A wait on a POSIX lock another process holds (as go.podman.io/storage
// takes its locks), inside a call skiff cannot see into, is reported
// once by the watcher: the lock file and the holder.
func TestWatchReportsPOSIXWait(t *testing.T) {
	if os.Getenv("FLOCK_TEST_HOLD") != "" {
		return // the holder's role runs in TestMain
	}
	p := filepath.Join(t.TempDir(), "layers.lock")
	os.WriteFile(p, nil, 0o600)
	holder := exec.Command(os.Args[0], "-test.run=^$")
	holder.Env = append(os.Environ(), "FLOCK_TEST_HOLD="+p)
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	if _, err := stdout.Read(make([]byte, 1)); err != nil { // "locked"
		t.Fatal(err)
	}
	var out syncBuf
	Notice, Patience, pollEvery = &out, 200*time.Millisecond, 50*time.Millisecond
	defer func() { Notice, Patience, pollEvery = os.Stderr, 5*time.Second, time.Second }()
	WatchWaits()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	done := make(chan error)
	go func() {
		done <- unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &unix.Flock_t{Type: unix.F_WRLCK, Whence: 0})
	}()
	for i := 0; i < 500 && out.String() == ""; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * pollEvery) // no second report
	holder.Process.Kill()
	holder.Wait()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("skiff: waiting for %s, held by pid %d (", p, holder.Process.Pid)
	if got := out.String(); !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("report %q, want %q...", got, want)
	}
}

func TestMain(m *testing.M) {
	if p := os.Getenv("FLOCK_TEST_HOLD"); p != "" {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err == nil {
			err = unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &unix.Flock_t{Type: unix.F_WRLCK, Whence: 0})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
