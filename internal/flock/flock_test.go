package flock

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
