package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tool is one container CLI under test (skiff or podman), run as the
// benchmark's user with a clean environment and a HOME of its own.
type tool struct {
	name string
	bin  string
	// pullArgs go after "pull": podman needs --tls-verify=false for the
	// loopback registry, skiff (like docker) does not.
	pullArgs []string
	home     string
	dir      string // roots are made here
	env      []string
	cred     *syscall.Credential
	uid, gid int
	rootless bool
	n        int
	pids     []int // pause processes to stop at the end (podman's catatonit)
}

// store is one fresh --root/--runroot pair.
type store struct{ root, runroot string }

func (tl *tool) newStore() store {
	tl.n++
	d := filepath.Join(tl.dir, strconv.Itoa(tl.n))
	s := store{root: filepath.Join(d, "r"), runroot: filepath.Join(d, "rr")}
	must(os.MkdirAll(d, 0o700))
	must(os.Chown(d, tl.uid, tl.gid))
	return s
}

// command is the tool run on store s (no store when s is zero) as the
// benchmark's user.
func (tl *tool) command(s store, args ...string) *exec.Cmd {
	full := args
	if s.root != "" {
		full = append([]string{"--root", s.root, "--runroot", s.runroot}, args...)
	}
	cmd := exec.Command(tl.bin, full...)
	cmd.Env, cmd.Dir = tl.env, tl.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: tl.cred}
	return cmd
}

// cpuTime makes run report CPU time instead of wall time (-cpu).
var cpuTime bool

// run runs the tool on store s and returns the wall time, or with
// cpuTime the CPU time (user and system) of the command and of the
// processes it waited for (not of those it left running: monitors,
// network helpers).
func (tl *tool) run(s store, args ...string) (time.Duration, error) {
	return timed(tl.command(s, args...), tl.name+" "+strings.Join(args, " "))
}

// timed runs cmd (what names it in an error) and returns its wall time,
// or with cpuTime its CPU time, as run does.
func timed(cmd *exec.Cmd, what string) (time.Duration, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%s: %v: %s", what, err, lastLine(out.String()))
	}
	if cpuTime {
		d = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return d, nil
}

// output runs the tool on store s and returns its stdout, trimmed.
func (tl *tool) output(s store, args ...string) (string, error) {
	cmd := tl.command(s, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", tl.name, strings.Join(args, " "), err, lastLine(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// remove deletes a store; rootless files of subordinate ids go through the
// tool's own `unshare`, after unmounting what it left mounted (podman keeps
// its overlay root mounted).
func (tl *tool) remove(s store) {
	// what lingers after the store's last container (the rootless network
	// namespace and its helper) goes now, not minutes after the benchmark
	_, _ = tl.run(s, "network", "prune", "-f")
	if tl.rootless {
		script := fmt.Sprintf("umount -R -l %s/overlay 2>/dev/null; rm -rf %s %s", s.root, s.root, s.runroot)
		_, _ = tl.run(s, "unshare", "sh", "-c", script)
	}
	_ = os.RemoveAll(filepath.Dir(s.root))
}

// stop ends the pause processes the tool left behind in our directory.
func (tl *tool) stop() {
	if !tl.rootless {
		return
	}
	for _, f := range []string{
		filepath.Join(tl.dir, "tmp", fmt.Sprintf("skiff-run-%d", tl.uid), "pause.pid"),
		filepath.Join(tl.dir, "tmp", fmt.Sprintf("podman-run-%d", tl.uid), "libpod", "tmp", "pause.pid"),
	} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.Fields(string(b) + " ")[0]); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
