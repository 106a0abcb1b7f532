package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// compose watch on a built service: sync copies what changes (new
// directories too) and removes what is removed, leaving out the
// entry's ignore patterns and the build context's .dockerignore;
// sync+restart restarts the container after copying; rebuild builds
// the image again and recreates the container; ctrl-C ends the watch
// (130) and leaves the service running.
func TestComposeWatch(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "wp", map[string]string{
		"compose.yaml": `
services:
  app:
    build: ./app
    command: ["sh", "-c", "date >> /tmp/starts; exec sleep 600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - action: sync
          path: ./app/static
          target: /srv/static
          ignore: ["*.tmp"]
        - action: sync+restart
          path: ./app/conf
          target: /etc/app
        - action: rebuild
          path: ./app/version.txt
`,
		"app/Dockerfile":         "FROM busybox\nCOPY version.txt /version\n",
		"app/.dockerignore":      "**/*.key\n",
		"app/version.txt":        "v1\n",
		"app/static/index.html":  "one\n",
		"app/conf/app.conf":      "a=1\n",
		"app/static/keep/.empty": "",
	})
	var out syncBuffer
	cmd := e.Cmd("compose", "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml"), "watch")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		compose(e, dir, "down", "--rmi", "local")
	}()
	waitUntil(t, 90*time.Second, "watch enabled", func() bool { return strings.Contains(out.String(), "Watch enabled") })
	inApp := func(script string) string {
		return compose(e, dir, "exec", "-T", "app", "sh", "-c", script).Out()
	}
	eventually := func(what, script, want string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			got := inApp(script)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %q, want %q\nwatch said:\n%s", what, got, want, out.String())
			}
			time.Sleep(300 * time.Millisecond)
		}
	}

	// sync: a change, a new directory with a file, ignored files
	e.WriteFile("wp/app/static/skip.tmp", "ignored by the entry\n")
	e.WriteFile("wp/app/static/id.key", "ignored by .dockerignore\n")
	e.WriteFile("wp/app/static/index.html", "two\n")
	e.WriteFile("wp/app/static/sub/deep/page.html", "deep\n")
	eventually("synced files", "cat /srv/static/index.html /srv/static/sub/deep/page.html 2>&1", "two\ndeep")
	if got := inApp("ls -a /srv/static"); strings.Contains(got, "skip.tmp") || strings.Contains(got, "id.key") {
		t.Errorf("ignored files were synced: %q", got)
	}
	// a removed directory is removed in the container
	if err := os.RemoveAll(filepath.Join(dir, "app", "static", "sub")); err != nil {
		t.Fatal(err)
	}
	eventually("removed directory", "ls /srv/static/sub 2>/dev/null | wc -l; test -e /srv/static/sub && echo there || echo gone", "0\ngone")

	// sync+restart: the file is there and the container started again
	e.WriteFile("wp/app/conf/app.conf", "a=2\n")
	eventually("synced and restarted", "cat /etc/app/app.conf; wc -l < /tmp/starts", "a=2\n2")

	// rebuild: a new image, a new container
	id := inspectField(e, "wp-app-1", "{{.Id}}")
	e.WriteFile("wp/app/version.txt", "v2\n")
	waitUntil(t, 120*time.Second, "the rebuilt container", func() bool {
		r := e.Skiff("container", "inspect", "--format", "{{.Id}} {{.State.Status}}", "wp-app-1")
		time.Sleep(300 * time.Millisecond)
		return r.Code == 0 && !strings.HasPrefix(r.Out(), id) && strings.HasSuffix(r.Out(), "running")
	})
	if v := inApp("cat /version"); v != "v2" {
		t.Errorf("after the rebuild /version is %q\n%s", v, out.String())
	}
	// the replaced image was pruned: one wp-app image, nothing dangling
	if imgs := e.Skiff("images", "--format", "{{.Repository}}").Success(t).Lines(); len(imgs) != 2 {
		t.Errorf("images after the rebuild: %v", imgs)
	}

	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("watch did not end after ctrl-C\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("watch after ctrl-C: exit %d, want 130", code)
	}
	if st := inspectField(e, "wp-app-1", "{{.State.Status}}"); st != "running" {
		t.Errorf("after the watch ended the service is %s", st)
	}
}

// watch refuses projects without develop.watch, and actions it does
// not know, with one line.
func TestComposeWatchRefusals(t *testing.T) {
	t.Parallel()
	e := New(t)
	dir := composeProject(e, "nw", map[string]string{
		"compose.yaml": "services:\n  web:\n    image: busybox\n",
	})
	compose(e, dir, "watch", "--no-up").Fail(t, 1, "none of the selected services is configured for watch")
	e.WriteFile("nw/compose.yaml", "services:\n  web:\n    image: busybox\n    develop:\n      watch:\n        - {action: rebuild, path: .}\n")
	compose(e, dir, "watch", "--no-up").Fail(t, 1, "needs a build section")
	e.WriteFile("nw/compose.yaml", "services:\n  web:\n    image: busybox\n    develop:\n      watch:\n        - {action: sync, path: ., target: rel}\n")
	compose(e, dir, "watch", "--no-up").Fail(t, 1, "needs an absolute target")
}
