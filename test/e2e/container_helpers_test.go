package e2e

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var rootfsOnce struct {
	sync.Once
	path string
	err  error
}

// busyboxRootfs is the busybox test image's file system as a tar file (the
// image's only layer), readable by every user: `import` makes images with
// any configuration from it.
func busyboxRootfs(t testing.TB) string {
	t.Helper()
	archive := fixture(t, "busybox.tar")
	rootfsOnce.Do(func() {
		rootfsOnce.path = filepath.Join(suite.base, "fx", "busybox-rootfs.tar")
		rootfsOnce.err = extractLayer(archive, rootfsOnce.path)
	})
	if rootfsOnce.err != nil {
		t.Fatalf("extracting the busybox layer: %v", rootfsOnce.err)
	}
	return rootfsOnce.path
}

// extractLayer copies the single layer of a docker-archive to dst.
func extractLayer(archive, dst string) error {
	read := func(name string, w io.Writer) error {
		f, err := os.Open(archive)
		if err != nil {
			return err
		}
		defer f.Close()
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err != nil {
				return fmt.Errorf("%s not in %s: %v", name, archive, err)
			}
			if h.Name == name {
				_, err := io.Copy(w, tr)
				return err
			}
		}
	}
	var sb strings.Builder
	if err := read("manifest.json", &sb); err != nil {
		return err
	}
	var m []struct{ Layers []string }
	if err := json.Unmarshal([]byte(sb.String()), &m); err != nil || len(m) != 1 || len(m[0].Layers) != 1 {
		return fmt.Errorf("unexpected manifest.json in %s: %v", archive, err)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := read(m[0].Layers[0], out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// importImage makes image ref from the busybox file system with docker's
// --change instructions (no ENV PATH unless given).
func importImage(e *Env, ref string, changes ...string) string {
	e.T.Helper()
	args := []string{"import"}
	for _, c := range changes {
		args = append(args, "--change", c)
	}
	e.Skiff(append(args, busyboxRootfs(e.T), ref)...).Success(e.T)
	return ref
}

// inspectField is `inspect --format TEMPLATE` of one container.
func inspectField(e *Env, ctr, tmpl string) string {
	e.T.Helper()
	return e.Skiff("container", "inspect", "--format", tmpl, ctr).Success(e.T).Out()
}

// waitUntil polls cond every 20 ms for up to d.
func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitStatus waits until the container's .State.Status is want.
func waitStatus(e *Env, ctr, want string) {
	e.T.Helper()
	waitUntil(e.T, 20*time.Second, ctr+" to be "+want, func() bool {
		r := e.Skiff("container", "inspect", "--format", "{{.State.Status}}", ctr)
		return r.Code == 0 && r.Out() == want
	})
}

// waitLog waits until the container's log contains s.
func waitLog(e *Env, ctr, s string) {
	e.T.Helper()
	waitUntil(e.T, 20*time.Second, fmt.Sprintf("%q in the log of %s", s, ctr), func() bool {
		r := e.Skiff("logs", ctr)
		return strings.Contains(r.Stdout+r.Stderr, s)
	})
}

// pidOf is the host pid of the container's first process.
func pidOf(e *Env, ctr string) int {
	e.T.Helper()
	pid, err := strconv.Atoi(inspectField(e, ctr, "{{.State.Pid}}"))
	if err != nil || pid <= 0 {
		e.T.Fatalf("pid of %s: %q", ctr, inspectField(e, ctr, "{{.State.Pid}}"))
	}
	return pid
}

// alive reports whether a host process exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// containerFiles lists what is left of a container under the test's
// roots: records, runtime directory, name link.
func containerFiles(e *Env, id string) []string {
	var left []string
	for _, p := range []string{
		filepath.Join(e.Root, "skiff", "containers", id),
		filepath.Join(e.RunRoot, "skiff", "containers", id),
	} {
		if _, err := os.Stat(p); err == nil {
			left = append(left, p)
		}
	}
	names, err := os.ReadDir(filepath.Join(e.Root, "skiff", "names"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		e.T.Errorf("reading the container names: %v", err)
	}
	for _, n := range names {
		if target, _ := os.Readlink(filepath.Join(e.Root, "skiff", "names", n.Name())); target == id {
			left = append(left, "name "+n.Name())
		}
	}
	return left
}

// noContainers checks that the store holds no container at all: records,
// storage containers, mounts. A ps that fails, or a directory it cannot
// read, fails the test: it proves nothing.
func noContainers(e *Env) {
	e.T.Helper()
	if ids := psAll(e); len(ids) != 0 {
		e.T.Errorf("containers left: %v", ids)
	}
	records, err := containerRecords(e)
	if err != nil {
		e.T.Errorf("reading the container records: %v", err)
	}
	if len(records) != 0 {
		e.T.Errorf("container records left: %d", len(records))
	}
	files, err := filepath.Glob(filepath.Join(e.Root, "*-containers", "containers.json"))
	if err != nil {
		e.T.Errorf("finding the storage containers: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			e.T.Errorf("reading the storage containers: %v", err)
		}
		if s := strings.TrimSpace(string(b)); s != "" && s != "[]" {
			e.T.Errorf("storage containers left: %s", s)
		}
	}
	pause, _ := e.pauseProcess()
	if left := e.mounts(pause); len(left) > 0 {
		e.T.Errorf("mounts left: %v", left)
	}
}

// allRemoved tells whether no container is left, listed or not: a
// removal hides the container from ps before its record directory goes.
func allRemoved(e *Env) bool {
	e.T.Helper()
	records, err := containerRecords(e)
	return len(psAll(e)) == 0 && err == nil && len(records) == 0
}

// containerRecords lists the directories of the store's container
// records (skiff/containers/ID); none at all (no directory) is no error.
func containerRecords(e *Env) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(e.Root, "skiff", "containers"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ids := make([]string, len(entries))
	for i, ent := range entries {
		ids[i] = ent.Name()
	}
	return ids, nil
}

// psAll is `ps -aq`: the IDs of every container; a failing ps fails the
// test (it must not pass for "no containers").
func psAll(e *Env) []string {
	e.T.Helper()
	return e.Skiff("ps", "-aq").Success(e.T).Lines()
}

// openPty opens a pseudo-terminal pair: the master for the test, the
// slave for the command.
func openPty(t testing.TB) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// startOnTerminal starts skiff with args on a new pseudo-terminal, its
// controlling terminal (of size, when not nil), and returns the command,
// the terminal's master and a reader of what the master gets.
func startOnTerminal(t testing.TB, e *Env, size *unix.Winsize, args ...string) (*exec.Cmd, *os.File, *ptyReader) {
	t.Helper()
	master, slave := openPty(t)
	if size != nil {
		if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, size); err != nil {
			t.Fatal(err)
		}
	}
	cmd := e.Cmd(args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty, cmd.SysProcAttr.Ctty = true, true, 0
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	return cmd, master, newPtyReader(master)
}

// ptyReader collects what a pty master reads, for tests that wait for
// output.
type ptyReader struct {
	mu  sync.Mutex
	buf strings.Builder
}

func newPtyReader(m *os.File) *ptyReader {
	r := &ptyReader{}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := m.Read(b)
			if n > 0 {
				r.mu.Lock()
				r.buf.Write(b[:n])
				r.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	return r
}

func (r *ptyReader) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// waitFor waits until the output contains s.
func (r *ptyReader) waitFor(t testing.TB, s string) {
	t.Helper()
	waitUntil(t, 20*time.Second, fmt.Sprintf("%q on the terminal (got %q)", s, r.String()), func() bool {
		return strings.Contains(r.String(), s)
	})
}
