package e2e

import (
	"bufio"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// -i without -t streams stdin line by line and closes the container's
// stdin at EOF; without -i the container reads nothing.
func TestRunInteractiveStdin(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	r := e.SkiffStdin(strings.NewReader("hello\nworld\n"), "run", "-i", "--rm", img, "sh", "-c", "cat; echo done")
	if r.Success(t).Stdout != "hello\nworld\ndone\n" {
		t.Errorf("run -i with stdin: %q", r.Stdout)
	}
	if got := e.SkiffStdin(strings.NewReader("ignored\n"), "run", "--rm", img, "cat").Success(t).Stdout; got != "" {
		t.Errorf("run without -i read stdin: %q", got)
	}
	// streaming: each line is answered before the next is sent
	cmd := e.Cmd("run", "-i", "--rm", img, "sh", "-c", `while read l; do echo "got $l"; done; echo eof`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(outPipe)
	for _, w := range []string{"one", "two"} {
		if _, err := io.WriteString(in, w+"\n"); err != nil {
			t.Fatal(err)
		}
		line, err := readLineTimeout(out, 20*time.Second)
		if err != nil || line != "got "+w {
			t.Fatalf("after sending %q read %q, %v", w, line, err)
		}
	}
	in.Close()
	if line, err := readLineTimeout(out, 20*time.Second); err != nil || line != "eof" {
		t.Fatalf("after EOF read %q, %v", line, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run -i: %v", err)
	}
	// start -i -a attaches stdin of a container created with -i
	e.Skiff("create", "-i", "--name", "si", img, "sh", "-c", "read x; echo start-got $x").Success(t)
	if got := e.SkiffStdin(strings.NewReader("input\n"), "start", "-a", "-i", "si").Success(t).Out(); got != "start-got input" {
		t.Errorf("start -a -i: %q", got)
	}
	e.Skiff("rm", "si").Success(t)
	noContainers(e)
}

func readLineTimeout(r *bufio.Reader, d time.Duration) (string, error) {
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := r.ReadString('\n')
		ch <- res{strings.TrimRight(s, "\r\n"), err}
	}()
	select {
	case x := <-ch:
		return x.s, x.err
	case <-time.After(d):
		return "", os.ErrDeadlineExceeded
	}
}

// A foreground run forwards the signals it gets to the container; with
// --sig-proxy=false it does not.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	script := `trap 'echo got-term; exit 3' TERM; trap 'echo got-usr1' USR1; echo ready; while :; do sleep 0.1; done`
	cmd := e.Cmd("run", "--name", "fg", img, "sh", "-c", script)
	var out strings.Builder
	cmd.Stdout = &lockedWriter{w: &out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := cmd.Stdout.(*lockedWriter)
	waitUntil(t, 20*time.Second, "ready", func() bool { return strings.Contains(w.String(), "ready") })
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "got-usr1", func() bool { return strings.Contains(w.String(), "got-usr1") })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 3 || !strings.Contains(w.String(), "got-term") {
		t.Errorf("run after SIGTERM: exit %d, output %q", code, w.String())
	}
	if got := inspectField(e, "fg", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 3" {
		t.Errorf("container after the forwarded SIGTERM: %q", got)
	}
	// start -a forwards too
	cmd = e.Cmd("start", "-a", "fg")
	cmd.Stdout = &lockedWriter{w: &strings.Builder{}}
	w = cmd.Stdout.(*lockedWriter)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "ready", func() bool { return strings.Contains(w.String(), "ready") })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("start -a after SIGTERM: exit %d, output %q", code, w.String())
	}
	// --sig-proxy=false: the CLI dies, the container does not notice
	cmd = e.Cmd("run", "--sig-proxy=false", "--name", "noproxy", img, "sh", "-c", script)
	cmd.Stdout = &lockedWriter{w: &strings.Builder{}}
	w = cmd.Stdout.(*lockedWriter)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "ready", func() bool { return strings.Contains(w.String(), "ready") })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	time.Sleep(300 * time.Millisecond)
	if got := inspectField(e, "noproxy", "{{.State.Status}}"); got != "running" {
		t.Errorf("--sig-proxy=false: container is %s after the CLI got SIGTERM", got)
	}
	if strings.Contains(w.String(), "got-term") {
		t.Errorf("--sig-proxy=false forwarded SIGTERM")
	}
}

// lockedWriter is a strings.Builder safe for a writer goroutine and a
// reading test.
type lockedWriter struct {
	mu chan struct{}
	w  *strings.Builder
}

func (l *lockedWriter) lock() {
	if l.mu == nil {
		l.mu = make(chan struct{}, 1)
	}
	l.mu <- struct{}{}
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.lock()
	defer func() { <-l.mu }()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.lock()
	defer func() { <-l.mu }()
	return l.w.String()
}

// -it runs the container on a terminal: raw mode, the window size and its
// changes, the detach keys.
func TestRunTerminal(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	cmd, master, out := startOnTerminal(t, e, &unix.Winsize{Row: 33, Col: 111}, "run", "-it", "--name", "tty", img, "sh")
	send := func(s string) {
		if _, err := master.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	send("echo mark-$((6*7))\r")
	out.waitFor(t, "mark-42")
	send("stty size; tty; echo $TERM; test -c /dev/console && echo console-$((1+2))\r")
	out.waitFor(t, "console-3")
	out.waitFor(t, "33 111")
	out.waitFor(t, "/dev/pts/0")
	out.waitFor(t, "xterm")
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 44, Col: 122}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the CLI gets SIGWINCH and tells the monitor
	send("stty size\r")
	out.waitFor(t, "44 122")
	// ctrl-p ctrl-q detaches; the container keeps running
	send("\x10\x11")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run -it after the detach keys: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run -it did not detach on ctrl-p ctrl-q")
	}
	if got := inspectField(e, "tty", "{{.State.Status}} {{.Config.Tty}}"); got != "running true" {
		t.Errorf("after detaching: %q", got)
	}
	// a shell's exit code is run's
	cmd, master2, out2 := startOnTerminal(t, e, nil, "run", "-it", "--rm", img, "sh")
	_, _ = master2.Write([]byte("echo ready-$((1+1))\r"))
	out2.waitFor(t, "ready-2")
	_, _ = master2.Write([]byte("exit 5\r"))
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 5 {
		t.Errorf("run -it; exit 5: exit %d, output %q", code, out2.String())
	}
}

// -a attaches only the named streams; the others still reach the log.
func TestRunAttachStreams(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	r := e.Skiff("run", "--name", "a1", "-a", "stdout", img, "sh", "-c", "echo out; echo err >&2").Success(t)
	if r.Stdout != "out\n" || r.Stderr != "" {
		t.Errorf("-a stdout: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	r = e.Skiff("run", "--rm", "-a", "STDERR", img, "sh", "-c", "echo out; echo err >&2").Success(t)
	if r.Stdout != "" || r.Stderr != "err\n" {
		t.Errorf("-a stderr: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	if got := e.Skiff("logs", "a1").Success(t); got.Stdout != "out\n" || got.Stderr != "err\n" {
		t.Errorf("logs: %q %q", got.Stdout, got.Stderr)
	}
	if got := inspectField(e, "a1", "{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}"); got != "false true false" {
		t.Errorf("inspect: %s", got)
	}
	r = e.SkiffStdin(strings.NewReader("hi\n"), "run", "--rm", "-i", "-a", "stdin", "-a", "stdout", img, "cat").Success(t)
	if r.Stdout != "hi\n" {
		t.Errorf("-a stdin -a stdout: %q", r.Stdout)
	}
	oneErrorLine(t, e.Skiff("run", "-a", "bogus", img, "true"), "valid streams are STDIN, STDOUT and STDERR")
	oneErrorLine(t, e.Skiff("run", "-d", "-a", "stdout", img, "true"), "cannot specify both --attach and --detach")
}
