package e2e

import (
	"bufio"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// exec joins the running container: its namespaces, environment, user
// and files; -e, -w, -u, -i, -t, -d and --privileged as in docker.
func TestExec(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--name", "x", "-e", "FROMRUN=1", "-w", "/srv", img, "sh", "-c", "echo marker > /tmp/m; sleep 100").Success(t).Out()
	waitUntil(t, 10*time.Second, "the marker file", func() bool { return e.Skiff("exec", "x", "test", "-f", "/tmp/m").Code == 0 })
	if got := e.Skiff("exec", "x", "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; cat /tmp/m; pwd; echo $FROMRUN").Success(t).Out(); got != id[:12]+"\nsleep 100 \nmarker\n/srv\n1" { // sh execs its last command
		t.Errorf("exec sees:\n%s", got)
	}
	e.Skiff("exec", "x", "sh", "-c", "exit 4").Fail(t, 4, "")
	e.Skiff("exec", "x", "nosuchcmd").Fail(t, 127, "nosuchcmd")
	e.Skiff("exec", "x", "/etc/hostname").Fail(t, 126, "")
	envFile := e.WriteFile("exec.env", "FROMFILE=f\nBOTH=file\n")
	if got := e.Skiff("exec", "-e", "A=1", "--env-file", envFile, "-e", "BOTH=flag", "x", "sh", "-c", "echo $A $FROMFILE $BOTH $FROMRUN").Success(t).Out(); got != "1 f flag 1" {
		t.Errorf("exec -e/--env-file: %q", got)
	}
	if got := e.Skiff("exec", "-w", "/tmp", "x", "pwd").Success(t).Out(); got != "/tmp" {
		t.Errorf("exec -w: %q", got)
	}
	if got := e.Skiff("exec", "-u", "skiffuser", "x", "sh", "-c", "id -u; id -g; echo $HOME").Success(t).Out(); got != "1000\n1000\n/home/skiffuser" {
		t.Errorf("exec -u skiffuser: %q", got)
	}
	if got := e.Skiff("exec", "-u", "4242:4343", "x", "sh", "-c", "echo $(id -u) $(id -g)").Success(t).Out(); got != "4242 4343" {
		t.Errorf("exec -u 4242:4343: %q", got)
	}
	if got := e.SkiffStdin(strings.NewReader("via stdin\n"), "exec", "-i", "x", "cat").Success(t).Out(); got != "via stdin" {
		t.Errorf("exec -i: %q", got)
	}
	if got := e.SkiffStdin(strings.NewReader("ignored\n"), "exec", "x", "cat").Success(t).Out(); got != "" {
		t.Errorf("exec without -i read stdin: %q", got)
	}
	if got := e.Skiff("exec", "-t", "x", "tty").Success(t).Out(); !strings.HasPrefix(got, "/dev/pts/") {
		t.Errorf("exec -t: tty = %q", got)
	}
	// exec -d returns while its command still waits for /tmp/go (a
	// waiting exec -d would hang, which the harness reports)
	e.Skiff("exec", "-d", "x", "sh", "-c", "until [ -e /tmp/go ]; do sleep 0.1; done; echo late > /tmp/d").Success(t)
	e.Skiff("exec", "x", "touch", "/tmp/go").Success(t)
	waitUntil(t, 10*time.Second, "exec -d's file", func() bool { return e.Skiff("exec", "x", "cat", "/tmp/d").Out() == "late" })
	def := e.Skiff("exec", "x", "grep", "CapEff", "/proc/self/status").Success(t).Out()
	priv := e.Skiff("exec", "--privileged", "x", "grep", "CapEff", "/proc/self/status").Success(t).Out()
	if def == priv || !strings.HasSuffix(def, "a80425fb") {
		t.Errorf("exec CapEff %q, --privileged %q", def, priv)
	}
	// exec's own failures exit 1, as docker's (its daemon reports them);
	// podman's exit 125
	e.Skiff("exec", "nosuch", "true").Fail(t, 1, "No such container")
	e.Podman("exec", "nosuch", "true").Fail(t, 125, "no such container")
	e.Skiff("exec", "x").Fail(t, 125, "requires at least 2 arguments")
	e.Skiff("stop", "-t", "0", "x").Success(t)
	e.Skiff("exec", "x", "true").Fail(t, 1, "not running")
	e.Podman("exec", "x", "true").Fail(t, 125, "not running")
}

// -it without a terminal on stdin (a pipe, /dev/null): docker's run and
// exec refuse in one line and exit 1, before creating anything and after
// finding the container; -t alone, -i alone and -d go on. Podman's run
// warns and goes on, its exec says nothing.
func TestNoTTYInput(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for _, flags := range [][]string{{"-it"}, {"-i", "-t"}, {"--interactive", "--tty"}} {
		args := append(append([]string{"run", "--name", "refused"}, flags...), img, "true")
		e.SkiffStdin(strings.NewReader("input\n"), args...).Fail(t, 1, "the input device is not a TTY")
		e.Skiff("container", "inspect", "refused").Fail(t, 125, "No such container")
	}
	e.Docker("run", "--rm", "-it", img, "true").Fail(t, 1, "the input device is not a TTY")
	if got := e.Skiff("run", "--rm", "-t", img, "tty").Success(t).Out(); !strings.HasPrefix(got, "/dev/pts/") {
		t.Errorf("run -t without a terminal: tty = %q", got)
	}
	if got := e.SkiffStdin(strings.NewReader("piped\n"), "run", "--rm", "-i", img, "cat").Success(t).Out(); got != "piped" {
		t.Errorf("run -i: %q", got)
	}
	e.Skiff("run", "-d", "-it", "--name", "x", img, "sleep", "100").Success(t)

	e.SkiffStdin(strings.NewReader("input\n"), "exec", "-it", "x", "true").Fail(t, 1, "the input device is not a TTY")
	e.Skiff("exec", "-it", "nosuch", "true").Fail(t, 1, "No such container")
	if got := e.Skiff("exec", "-t", "x", "tty").Success(t).Out(); !strings.HasPrefix(got, "/dev/pts/") {
		t.Errorf("exec -t without a terminal: tty = %q", got)
	}
	e.Skiff("exec", "-d", "-it", "x", "true").Success(t)

	r := e.Podman("run", "--rm", "-it", img, "echo", "ran").Success(t)
	if r.Out() != "ran" || !strings.Contains(r.Stderr, "The input device is not a TTY") {
		t.Errorf("podman run -it without a terminal: stdout %q, stderr %q", r.Out(), r.Stderr)
	}
	r = e.Podman("exec", "-it", "x", "echo", "ran").Success(t)
	if r.Out() != "ran" || r.Stderr != "" {
		t.Errorf("podman exec -it without a terminal: stdout %q, stderr %q", r.Out(), r.Stderr)
	}
}

// exec -it on a real terminal.
func TestExecTerminal(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "x", img, "sleep", "100").Success(t)
	cmd, master, out := startOnTerminal(t, e, &unix.Winsize{Row: 21, Col: 77}, "exec", "-it", "x", "sh")
	_, _ = master.Write([]byte("stty size; echo done-$((2*3))\r"))
	out.waitFor(t, "done-6")
	if !strings.Contains(out.String(), "21 77") {
		t.Errorf("exec -it window size: %q", out.String())
	}
	_, _ = master.Write([]byte("exit 9\r"))
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 9 {
		t.Errorf("exec -it; exit 9: exit %d", code)
	}
}

// attach: output and input of a running container, detach keys,
// --no-stdin, --sig-proxy.
func TestAttach(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "-i", "--name", "a", img, "sh", "-c",
		`trap 'echo got-term; exit 6' TERM; while read l; do echo "got $l"; done; echo stdin-closed; while :; do sleep 0.1; done`).Success(t)
	cmd := e.Cmd("attach", "a")
	in, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	time.Sleep(200 * time.Millisecond) // attached before the first line
	_, _ = io.WriteString(in, "one\n")
	if line, err := readLineTimeout(r, 20*time.Second); err != nil || line != "got one" {
		t.Fatalf("attach: read %q, %v", line, err)
	}
	// signals reach the container (--sig-proxy defaults to true)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if line, err := readLineTimeout(r, 20*time.Second); err != nil || line != "got-term" {
		t.Fatalf("attach after SIGTERM: read %q, %v", line, err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 6 {
		t.Errorf("attach: exit %d, want the container's 6", code)
	}
	e.Skiff("attach", "a").Fail(t, 125, "stopped container")

	// a terminal: the detach keys, custom ones, and --no-stdin
	e.Skiff("run", "-d", "-it", "--name", "t", img, "sh").Success(t)
	for _, keys := range []struct{ flag, seq string }{{"", "\x10\x11"}, {"ctrl-a,x", "\x01x"}} {
		args := []string{"attach"}
		if keys.flag != "" {
			args = append(args, "--detach-keys", keys.flag)
		}
		cmd, master, out := startOnTerminal(t, e, nil, append(args, "t")...)
		_, _ = master.Write([]byte("echo attached-$((3+4))\r"))
		out.waitFor(t, "attached-7")
		_, _ = master.Write([]byte(keys.seq))
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("attach did not detach on %q", keys.seq)
		}
		if got := inspectField(e, "t", "{{.State.Status}}"); got != "running" {
			t.Errorf("after detaching with %q the container is %s", keys.seq, got)
		}
	}
	e.Skiff("attach", "--detach-keys", "ctrl-", "t").Fail(t, 125, "detach key")

	// --no-stdin: input is not forwarded; output is
	e.Skiff("run", "-d", "-i", "--name", "n", img, "sh", "-c", "while read l; do echo \"got $l\"; done; echo stdin-closed; sleep 100").Success(t)
	cmd = e.Cmd("attach", "--no-stdin", "n")
	in, _ = cmd.StdinPipe()
	out := &lockedWriter{w: &strings.Builder{}}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(in, "lost\n")
	in.Close()
	time.Sleep(500 * time.Millisecond)
	e.Skiff("exec", "n", "sh", "-c", "echo from-exec > /proc/1/fd/1").Success(t)
	waitUntil(t, 20*time.Second, "output through attach --no-stdin", func() bool { return strings.Contains(out.String(), "from-exec") })
	if strings.Contains(out.String(), "got lost") || strings.Contains(out.String(), "stdin-closed") {
		t.Errorf("attach --no-stdin forwarded input: %q", out.String())
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}
