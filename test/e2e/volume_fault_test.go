package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// containerState reads a container's state.json (docs/internal.md).
func containerState(t *testing.T, e *Env, id string) (status string, monitor int) {
	t.Helper()
	var st struct {
		Status     string
		MonitorPid int
	}
	b, err := os.ReadFile(filepath.Join(e.Root, "skiff", "containers", id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.Status, st.MonitorPid
}

// Volumes outlive their containers, kill -9 of the monitor and of the CLI.
func TestVolumeSurvivesKill(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	ctr := e.Skiff("run", "-d", "-v", "data:/d", "-v", "/anon", img, "sh", "-c", "echo kept > /d/f; echo a > /anon/f; sleep 300").Success(t).Out()
	waitFor(t, func() bool { return e.Skiff("cp", ctr+":/d/f", "-").Code == 0 })
	_, mon := containerState(t, e, ctr)
	if mon <= 0 {
		t.Fatalf("no monitor pid")
	}
	syscall.Kill(mon, syscall.SIGKILL)
	waitFor(t, func() bool { s, _ := containerState(t, e, ctr); return s != "running" || processStart(mon) == 0 })
	e.Skiff("rm", "-f", ctr).Success(t)
	if got := runOut(t, e, "-v", "data:/d", img, "cat", "/d/f"); got != "kept" {
		t.Errorf("volume after kill -9 of the monitor and rm: %q", got)
	}
	if n := len(e.Skiff("volume", "ls", "-q").Success(t).Lines()); n != 2 {
		t.Errorf("volumes after rm without -v: %d, want data and the anonymous one", n)
	}

	// kill -9 of a foreground run
	cmd := e.Cmd("run", "--name", "fg", "-v", "data:/d", img, "sh", "-c", "echo again >> /d/f; sleep 300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(e.Skiff("cp", "fg:/d/f", "-").Stdout, "again") })
	cmd.Process.Kill()
	cmd.Wait()
	e.Skiff("rm", "-f", "-v", "fg").Success(t)
	if got := runOut(t, e, "-v", "data:/d", img, "cat", "/d/f"); got != "kept\nagain" {
		t.Errorf("volume after kill -9 of run: %q", got)
	}
	e.Skiff("volume", "rm", "data").Success(t)
}

// Two containers write one named volume at the same time; both succeed.
// Concurrent first uses of a new volume all succeed too.
func TestVolumeConcurrentUse(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	var wg sync.WaitGroup
	results := make([]Result, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			script := fmt.Sprintf("for i in $(seq 1 400); do echo $i >> /s/w%d; echo w%d-$i >> /s/shared; done", i, i)
			results[i] = e.Skiff("run", "--rm", "-v", "shared:/s", img, "sh", "-c", script)
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("writer %d: exit %d: %s", i, r.Code, r.Stderr)
		}
	}
	got := runOut(t, e, "-v", "shared:/s", img, "sh", "-c", "for f in w0 w1 w2 w3 shared; do wc -l < /s/$f; done")
	if got != "400\n400\n400\n400\n1600" {
		t.Errorf("line counts:\n%s", got)
	}
	if n := len(e.Skiff("volume", "ls", "-q").Success(t).Lines()); n != 1 {
		t.Errorf("concurrent first use made %d volumes", n)
	}
}

// A volume removal racing a container's creation: either the container
// gets the volume or the removal wins, never a container without it.
func TestVolumeRmRacesCreate(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for i := 0; i < 5; i++ {
		name := "race" + strconv.Itoa(i)
		e.Skiff("volume", "create", name).Success(t)
		var wg sync.WaitGroup
		var created, removed Result
		wg.Add(2)
		go func() { defer wg.Done(); created = e.Skiff("create", "-v", name+":/x", img, "true") }()
		go func() { defer wg.Done(); removed = e.Skiff("volume", "rm", name) }()
		wg.Wait()
		exists := e.Skiff("volume", "inspect", name).Code == 0
		switch {
		case created.Code != 0:
			t.Errorf("create failed: %s", created.Stderr)
		case removed.Code == 0 && !exists:
			// the removal won: the create made the volume again
			t.Errorf("volume %s removed while a container was created with it", name)
		case removed.Code != 0 && !strings.Contains(removed.Stderr, "in use"):
			t.Errorf("volume rm: %s", removed.Stderr)
		}
		e.Skiff("rm", created.Out()).Success(t)
	}
}

// kill -9 of export, cp and commit leaves no stray mount, no partial
// output file and no partial image.
func TestKilledFilesystemCommands(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	ctr := e.Skiff("run", "-d", "--name", "big", "-v", "data:/d", img, "sh", "-c",
		"dd if=/dev/zero of=/big bs=1M count=300 2>/dev/null; dd if=/dev/zero of=/d/big bs=1M count=50 2>/dev/null; touch /ready; sleep 300").Success(t).Out()
	waitFor(t, func() bool { return e.Skiff("cp", ctr+":/ready", "-").Code == 0 })
	imagesBefore := e.Skiff("images", "-a", "-q", "--no-trunc").Success(t).Out()
	out := filepath.Join(e.Dir, "out.tar")
	for _, args := range [][]string{
		{"export", "-o", out, "big"},
		{"cp", "big:/big", filepath.Join(e.Dir, "copied")},
		{"cp", "big:/d/big", "-"},
		{"commit", "big", "partial:1"},
		{"commit", "big", "partial:2"},
	} {
		for _, delay := range []time.Duration{20 * time.Millisecond, 150 * time.Millisecond} {
			cmd := e.Cmd(args...)
			devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			cmd.Stdout = devnull
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Kill()
			cmd.Wait()
			devnull.Close()
		}
	}
	time.Sleep(200 * time.Millisecond) // let the thaw guard and helpers finish
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a killed export -o left %s", out)
	}
	var roots []string
	for _, m := range e.mounts(e.pauseOf()) {
		if strings.HasSuffix(m, "/merged") {
			roots = append(roots, m)
		}
	}
	if len(roots) != 1 {
		t.Errorf("root filesystems mounted after killed commands: %q (want the running container's only)", roots)
	}
	// an image that made it whole is fine; a partial one is not
	for _, id := range e.Skiff("images", "-a", "-q", "--no-trunc").Success(t).Lines() {
		if !strings.Contains(imagesBefore, id) {
			e.Skiff("image", "inspect", id).Success(t)
			e.Skiff("run", "--rm", id, "true").Success(t)
		}
	}
	// everything still works
	e.Skiff("commit", "big", "whole:1").Success(t)
	if got := runOut(t, e, "whole:1", "sh", "-c", "ls -l /big | awk '{print $5}'"); got != "314572800" {
		t.Errorf("committed file size %q", got)
	}
	e.Skiff("exec", "big", "true").Success(t)
}
