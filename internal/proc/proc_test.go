package proc

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseStartTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 42 1 2", 42, true},
		{"7 (a (b) c) R 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 99 1 2", 99, true},
		{"7 (x) R 0 1", 0, false},
		{"garbage", 0, false},
	} {
		got, err := parseStartTime([]byte(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseStartTime(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func TestAliveSelf(t *testing.T) {
	t.Parallel()
	st, err := StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !Alive(os.Getpid(), st) || Alive(os.Getpid(), st+1) || Alive(0, 0) {
		t.Fatal("Alive disagrees with /proc")
	}
}

// This test's process is in its own PID namespace's list, and so are a
// child of it and (as root) a process in a nested namespace.
func TestInPIDNamespaceOf(t *testing.T) {
	if os.Geteuid() == 0 {
		nested := exec.Command("unshare", "-p", "-f", "sleep", "10")
		if err := nested.Start(); err == nil {
			defer func() { _ = nested.Process.Kill(); _ = nested.Wait() }()
			var child int
			for i := 0; i < 200 && child == 0; i++ {
				b, _ := os.ReadFile("/proc/" + strconv.Itoa(nested.Process.Pid) + "/task/" + strconv.Itoa(nested.Process.Pid) + "/children")
				child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
				time.Sleep(10 * time.Millisecond)
			}
			pids, err := InPIDNamespaceOf(os.Getpid())
			if err != nil {
				t.Fatal(err)
			}
			if child == 0 || !pids[child] {
				t.Errorf("the process %d of a nested PID namespace is missing", child)
			}
		}
	}
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pids, err := InPIDNamespaceOf(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !pids[os.Getpid()] || !pids[cmd.Process.Pid] {
		t.Errorf("self %d or child %d missing from %d processes", os.Getpid(), cmd.Process.Pid, len(pids))
	}
	if _, err := parsePPid([]byte("12 (a) b) S 7 12 12")); err != nil {
		t.Error(err)
	} else if pp, _ := parsePPid([]byte("12 (a) b) S 7 12 12")); pp != 7 {
		t.Errorf("parent %d, want 7", pp)
	}
}

// An ended child that is not reaped yet (a zombie) is not alive.
func TestAliveZombie(t *testing.T) {
	if !Alive(os.Getpid(), 0) {
		t.Error("this process is not alive")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	for i := 0; i < 200 && Alive(pid, 0); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if Alive(pid, 0) {
		t.Error("an ended, unreaped child is alive")
	}
	_ = cmd.Wait()
}
