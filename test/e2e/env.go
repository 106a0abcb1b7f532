package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// CommandTimeout bounds every e.Skiff call; a hung command fails the test
// instead of the whole run.
var CommandTimeout = 3 * time.Minute

// Env is one test's skiff installation: its own storage root, runtime
// root, HOME and TMPDIR, all under Dir and owned by the user skiff runs as.
type Env struct {
	T testing.TB
	// Dir holds everything below; removed at the end of the test.
	Dir string
	// Root and RunRoot are passed as --root and --runroot.
	Root, RunRoot string
	// Home is HOME: ~/.config/containers/{registries.conf,auth.json}.
	Home string
	// Tmp is TMPDIR; rootless skiff keeps its runtime dir (pause.pid) in
	// Tmp/skiff-run-UID when XDG_RUNTIME_DIR is unset.
	Tmp string
	// Rootless tells whether skiff runs unprivileged in this test.
	Rootless bool
	// UID and GID of the user skiff runs as.
	UID, GID int
	// GlobalArgs come before every command's arguments; New sets --root and
	// --runroot. Tests may change it.
	GlobalArgs []string
	// Env is added to the clean environment (HOME, PATH, TMPDIR, USER,
	// LOGNAME) of every command; later entries win. See Setenv.
	Env []string

	user *account // nil: go test's own user
	mu   sync.Mutex
	cmds []*exec.Cmd
}

// Option changes how New sets a test up.
type Option func(*envConfig)

type envConfig struct {
	user string
}

// AsUser runs skiff as the named unprivileged user instead of the suite's
// (rootless; needs go test to run as root).
func AsUser(name string) Option {
	return func(c *envConfig) { c.user = name }
}

// New prepares a fresh installation for the test and registers its
// cleanup: remove containers and images, fail on mounts left under Dir,
// remove Dir (through `skiff unshare` when files belong to subordinate
// ids), stop the per-test pause process.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	if suite.skipAll != "" {
		t.Skip(suite.skipAll)
	}
	var cfg envConfig
	for _, o := range opts {
		o(&cfg)
	}
	e := &Env{T: t, Rootless: suite.mode == ModeRootless, user: suite.runner}
	if cfg.user != "" {
		if !suite.hostRoot {
			t.Skipf("running skiff as %s needs go test to run as root", cfg.user)
		}
		a, err := lookupAccount(cfg.user)
		if err != nil {
			t.Fatalf("user %s: %v", cfg.user, err)
		}
		e.user, e.Rootless = a, a.UID != 0
	}
	e.UID, e.GID = os.Getuid(), os.Getgid()
	if e.user != nil {
		e.UID, e.GID = e.user.UID, e.user.GID
	}
	e.Dir = filepath.Join(suite.base, strconv.FormatInt(suite.counter.Add(1), 10))
	e.Root, e.RunRoot = filepath.Join(e.Dir, "root"), filepath.Join(e.Dir, "run")
	e.Home, e.Tmp = filepath.Join(e.Dir, "home"), filepath.Join(e.Dir, "tmp")
	for _, d := range []string{e.Dir, e.Home, filepath.Join(e.Home, ".config", "containers"), e.Tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := chownTree(e.Dir, e.user); err != nil {
		t.Fatal(err)
	}
	e.GlobalArgs = []string{"--root", e.Root, "--runroot", e.RunRoot}
	if !e.Rootless {
		// root reads /run/containers/0/auth.json: keep logins in the test
		auth := e.WriteFile(filepath.Join("home", ".config", "containers", "auth.json"), `{"auths":{}}`+"\n")
		e.Setenv("REGISTRY_AUTH_FILE", auth)
	}
	if e.Rootless {
		e.userManager()
	}
	t.Cleanup(e.cleanup)
	return e
}

// userManager gives a rootless test the user's systemd manager when the
// suite has one (make test-vm: SKIFF_TEST_SYSTEMD_RUNTIME, the user's
// runtime directory): its own XDG_RUNTIME_DIR holding links to the
// manager's private socket and the session bus, so that skiff finds them
// while its own runtime files stay the test's.
func (e *Env) userManager() {
	run := os.Getenv("SKIFF_TEST_SYSTEMD_RUNTIME")
	if run == "" {
		return
	}
	xdg := filepath.Join(e.Dir, "xdg")
	if err := os.Mkdir(xdg, 0o700); err != nil {
		e.T.Fatal(err)
	}
	for _, name := range []string{"systemd", "bus"} {
		if err := os.Symlink(filepath.Join(run, name), filepath.Join(xdg, name)); err != nil {
			e.T.Fatal(err)
		}
	}
	if err := chownTree(xdg, e.user); err != nil {
		e.T.Fatal(err)
	}
	e.Setenv("XDG_RUNTIME_DIR", xdg)
}

// Setenv sets an environment variable for every later command.
func (e *Env) Setenv(key, value string) {
	e.Env = append(e.Env, key+"="+value)
}

// environ is the clean environment of a command.
func (e *Env) environ() []string {
	name := "root"
	if e.user != nil {
		name = e.user.Name
	} else if u, err := lookupAccount(strconv.Itoa(os.Getuid())); err == nil {
		name = u.Name
	}
	env := []string{
		"HOME=" + e.Home, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TMPDIR=" + e.Tmp, "USER=" + name, "LOGNAME=" + name, "LANG=C.UTF-8",
	}
	if d := os.Getenv("STORAGE_DRIVER"); d != "" {
		env = append(env, "STORAGE_DRIVER="+d) // the suite's choice (make test-vm: vfs)
	}
	return append(env, e.Env...)
}

// Cmd returns skiff with the global arguments and args, set up to run as
// the test's user with the test's environment, in Dir. It is for
// background and terminal use: the caller starts and waits for it (set
// SysProcAttr.Setsid/Setctty for a pty). A process still running at the
// end of the test is killed.
func (e *Env) Cmd(args ...string) *exec.Cmd {
	return e.command(suite.binary, e.GlobalArgs, args)
}

func (e *Env) command(bin string, global, args []string) *exec.Cmd {
	cmd := exec.Command(bin, append(append([]string{}, global...), args...)...)
	cmd.Env = e.environ()
	cmd.Dir = e.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential(e.user)}
	e.mu.Lock()
	e.cmds = append(e.cmds, cmd)
	e.mu.Unlock()
	return cmd
}

// Result is what a finished command left.
type Result struct {
	Args   []string
	Stdout string
	Stderr string
	// Code is the exit code; -1 when the command was killed by the harness.
	Code int
}

// Skiff runs skiff with the global arguments and args and returns its
// result; it fails the test only when skiff could not be run or hung.
func (e *Env) Skiff(args ...string) Result {
	e.T.Helper()
	return e.run(nil, suite.binary, e.GlobalArgs, args)
}

// SkiffStdin is Skiff with stdin read from in.
func (e *Env) SkiffStdin(in io.Reader, args ...string) Result {
	e.T.Helper()
	return e.run(in, suite.binary, e.GlobalArgs, args)
}

// Docker runs skiff through a symlink named docker (argv[0] "docker"),
// with the same global arguments.
func (e *Env) Docker(args ...string) Result {
	e.T.Helper()
	return e.run(nil, filepath.Join(suite.binDir, "docker"), e.GlobalArgs, args)
}

// Podman runs skiff through a symlink named podman (argv[0] "podman"):
// podman's dialect (internal/dialect), with the same global arguments.
func (e *Env) Podman(args ...string) Result {
	e.T.Helper()
	return e.run(nil, filepath.Join(suite.binDir, "podman"), e.GlobalArgs, args)
}

// PodmanStdin is Podman with stdin read from in.
func (e *Env) PodmanStdin(in io.Reader, args ...string) Result {
	e.T.Helper()
	return e.run(in, filepath.Join(suite.binDir, "podman"), e.GlobalArgs, args)
}

// PodmanCmd is Cmd through the podman link.
func (e *Env) PodmanCmd(args ...string) *exec.Cmd {
	return e.command(filepath.Join(suite.binDir, "podman"), e.GlobalArgs, args)
}

// Exec runs any program as the test's user with the test's environment
// (no global arguments added).
func (e *Env) Exec(name string, args ...string) Result {
	e.T.Helper()
	return e.run(nil, name, nil, args)
}

// SkiffNoRoute is Skiff run in a network namespace of its own that has
// only a loopback, as on a host without a default route (the test
// process must be root: Require "hostroot"). Rootless, skiff still joins
// its user and mount namespaces; helpers it starts (pasta) start there.
func (e *Env) SkiffNoRoute(args ...string) Result {
	e.T.Helper()
	return e.runWith(nil, func(cmd *exec.Cmd) { cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWNET }, suite.binary, e.GlobalArgs, args)
}

func (e *Env) run(stdin io.Reader, bin string, global, args []string) Result {
	e.T.Helper()
	return e.runWith(stdin, nil, bin, global, args)
}

func (e *Env) runWith(stdin io.Reader, prep func(*exec.Cmd), bin string, global, args []string) Result {
	e.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	cmd := e.command(bin, global, args)
	if prep != nil {
		prep(cmd)
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.WaitDelay = 10 * time.Second
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := runContext(ctx, cmd)
	r := Result{Args: cmd.Args, Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.Code = -1
		e.T.Errorf("%s: no exit after %v; killed", r.cmdline(), CommandTimeout)
	case errors.Is(err, exec.ErrWaitDelay):
		r.Code = cmd.ProcessState.ExitCode()
		e.T.Errorf("%s exited but a process it started kept its stdout/stderr open", r.cmdline())
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.Code = 128 + int(ws.Signal())
		}
	case err != nil:
		e.T.Fatalf("running %s: %v", r.cmdline(), err)
	}
	e.T.Logf("%s -> %d (%s)", r.cmdline(), r.Code, time.Since(start).Round(time.Millisecond))
	return r
}

// runContext is cmd.Run bounded by ctx, killing the process group.
func runContext(ctx context.Context, cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return <-done
	}
}

func (r Result) cmdline() string {
	args := append([]string{filepath.Base(r.Args[0])}, r.Args[1:]...)
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"$") {
			args[i] = strconv.Quote(a)
		}
	}
	return strings.Join(args, " ")
}

// Success fails the test, showing stderr, unless the command exited 0.
func (r Result) Success(t testing.TB) Result {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s: exit %d, want 0\nstderr: %s\nstdout: %s", r.cmdline(), r.Code, r.Stderr, r.Stdout)
	}
	return r
}

// Fail fails the test unless the command exited with code and its stderr
// contains stderrSubstring.
func (r Result) Fail(t testing.TB, code int, stderrSubstring string) Result {
	t.Helper()
	if r.Code != code || !strings.Contains(r.Stderr, stderrSubstring) {
		t.Fatalf("%s: exit %d, want %d with stderr containing %q\nstderr: %s\nstdout: %s",
			r.cmdline(), r.Code, code, stderrSubstring, r.Stderr, r.Stdout)
	}
	return r
}

// Out is stdout without surrounding white space.
func (r Result) Out() string { return strings.TrimSpace(r.Stdout) }

// Lines are stdout's non-empty lines.
func (r Result) Lines() []string {
	var out []string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// WriteFile writes a file under Dir (name relative to Dir), owned by the
// test's user, and returns its path.
func (e *Env) WriteFile(name, content string) string {
	e.T.Helper()
	p := filepath.Join(e.Dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.T.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.T.Fatal(err)
	}
	if e.user != nil && suite.hostRoot {
		for d := p; d != e.Dir; d = filepath.Dir(d) {
			if err := os.Lchown(d, e.user.UID, e.user.GID); err != nil {
				e.T.Fatal(err)
			}
		}
	}
	return p
}

// Mkdir creates a directory under Dir owned by the test's user.
func (e *Env) Mkdir(name string) string {
	e.T.Helper()
	p := filepath.Join(e.Dir, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		e.T.Fatal(err)
	}
	if e.user != nil && suite.hostRoot {
		for d := p; d != e.Dir; d = filepath.Dir(d) {
			if err := os.Lchown(d, e.user.UID, e.user.GID); err != nil {
				e.T.Fatal(err)
			}
		}
	}
	return p
}

// RuntimeDir is where rootless skiff keeps pause.pid for this test: under
// XDG_RUNTIME_DIR when the test set one the user owns, else
// Tmp/skiff-run-UID.
func (e *Env) RuntimeDir() string {
	for i := len(e.Env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(e.Env[i], "XDG_RUNTIME_DIR="); ok {
			if st, err := os.Stat(v); err == nil && st.IsDir() && int(st.Sys().(*syscall.Stat_t).Uid) == e.UID {
				return filepath.Join(v, "skiff")
			}
			break
		}
	}
	return filepath.Join(e.Tmp, fmt.Sprintf("skiff-run-%d", e.UID))
}
