package e2e

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every failure of a build is one line naming what is wrong (and the
// Dockerfile's line), exit 1 (125 for bad flags), leaves no container or
// mount, and keeps the cache of the steps before it.
func TestBuildFaults(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM busybox\nRUN echo step one > /one\nRUN echo some output; exit 3\n",
		"syntax":     "FROM busybox\nRUN true\nFOO bar\n",
		"copy":       "FROM busybox\nCOPY missing.txt /\n",
		"noargs":     "FROM busybox\nCOPY onlyone\n",
		"empty":      "# nothing\n",
		"notar":      "this is not a tar archive\n",
	})
	r := e.Skiff("build", ctx)
	buildFails(t, r, "The command '/bin/sh -c echo some output; exit 3' returned a non-zero code: 3")
	if !strings.Contains(r.Stdout, "some output\n") {
		t.Errorf("the failing step's output is not shown:\n%s", r.Stdout)
	}
	noBuildLeftovers(t, e)
	again := e.Skiff("build", ctx)
	if !strings.Contains(again.Stdout, "RUN echo step one > /one\n ---> Using cache") {
		t.Errorf("the step before the failure was not cached:\n%s", again.Stdout)
	}
	buildFails(t, e.Skiff("build", "-f", filepath.Join(ctx, "syntax"), ctx), "syntax:3: unknown instruction: FOO")
	buildFails(t, e.Skiff("build", "-f", filepath.Join(ctx, "copy"), ctx), "copy:2: COPY failed: file not found in build context or excluded by .dockerignore: missing.txt")
	buildFails(t, e.Skiff("build", "-f", filepath.Join(ctx, "noargs"), ctx), "noargs:2: COPY requires at least two arguments")
	buildFails(t, e.Skiff("build", "-f", filepath.Join(ctx, "empty"), ctx), "empty: the file has no FROM instruction")
	buildFails(t, e.Skiff("build", "-f", filepath.Join(ctx, "nosuch"), ctx), "nosuch does not exist")
	buildFails(t, e.Skiff("build", filepath.Join(e.Dir, "nosuchdir")), `path "`+filepath.Join(e.Dir, "nosuchdir")+`" not found`)
	buildFails(t, e.Skiff("build", filepath.Join(ctx, "notar")), "is not a directory or a")
	buildFails(t, e.Skiff("build", "--target", "nope", ctx), `target stage "nope" could not be found`)
	noBuildLeftovers(t, e)

	oneErrorLine(t, e.Skiff("build", "--bogus", ctx), "unknown flag: --bogus")
	oneErrorLine(t, e.Skiff("build", "--platform", "linux/s390x", ctx), "this machine's platform only")
	oneErrorLine(t, e.Skiff("build", "--format", "v1", ctx), `--format "v1": use docker or oci`)
	oneErrorLine(t, e.Skiff("build", "--progress", "fancy", ctx), "use auto, plain, tty or quiet")
	oneErrorLine(t, e.Skiff("build", "-t", "UPPER", ctx), "invalid reference format")
	oneErrorLine(t, e.Skiff("build", "--cache-to", "type=local,dest=x", ctx), "--cache-to is not supported")
	oneErrorLine(t, e.Skiff("build", "--secret", "id=x,src=/nonexistent", ctx), "--secret id=x,src=/nonexistent")
	oneErrorLine(t, e.Skiff("build"), "requires exactly 1 argument")
}

// kill -9 of a build in the middle of a RUN: the step dies with it, the
// store stays consistent, and the next build works and removes what the
// killed one left.
func TestBuildKilled(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM busybox\nCOPY f /f\nRUN echo started && sleep 4711\n",
		"f":          "x",
	})
	cmd := e.Cmd("build", ctx)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "started" {
				started <- true
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the build never reached its RUN")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// the step's process dies with the build
	waitUntil(t, 10*time.Second, "the step's sleep to end", func() bool { return !processRunning("sleep 4711") })
	if got := e.Skiff("ps", "-a", "-q").Success(t).Out(); got != "" {
		t.Errorf("ps -a shows %q after the killed build", got)
	}
	e.Skiff("images").Success(t)
	e.WriteFile("ctx/Dockerfile", "FROM busybox\nCOPY f /f\nRUN echo second\n")
	r := e.Skiff("build", "-t", "after", ctx).Success(t)
	if !strings.Contains(r.Stdout, "COPY f /f\n ---> Using cache") {
		t.Errorf("the killed build's finished steps are not cached:\n%s", r.Stdout)
	}
	noBuildLeftovers(t, e)
}

// processRunning reports whether a process whose command line contains
// s runs on the machine.
func processRunning(s string) bool {
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "cmdline"))
		if err == nil && strings.Contains(strings.ReplaceAll(string(b), "\x00", " "), s) {
			return true
		}
	}
	return false
}
