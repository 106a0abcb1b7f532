package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func statUID(fi os.FileInfo) uint32 { return fi.Sys().(*syscall.Stat_t).Uid }

func TestUnshare(t *testing.T) {
	t.Parallel()
	e := New(t)
	if out := e.Skiff("unshare", "id", "-u").Success(t).Out(); out != "0" {
		t.Errorf("unshare id -u = %q, want 0", out)
	}
	env := e.Skiff("unshare", "sh", "-c", `echo "$_CONTAINERS_USERNS_CONFIGURED:$_CONTAINERS_ROOTLESS_UID:$CONTAINERS_GRAPHROOT"`).Success(t).Out()
	want := "::" + e.Root
	if e.Rootless {
		want = "done:" + strconv.Itoa(e.UID) + ":" + e.Root
	}
	if env != want {
		t.Errorf("unshare environment = %q, want %q", env, want)
	}
	// the exit code is the command's; flags belong to the command
	e.Skiff("unshare", "sh", "-c", "exit 7").Fail(t, 7, "")
	if out := e.Skiff("unshare", "ls", "-d", "/").Success(t).Out(); out != "/" {
		t.Errorf("unshare ls -d / = %q", out)
	}
	e.Skiff("unshare", "no-such-command").Fail(t, 127, "no-such-command")
	// without a command: $SHELL, else /bin/sh, reading stdin
	if out := e.SkiffStdin(strings.NewReader("echo in-shell $(id -u)\n"), "unshare").Success(t).Out(); out != "in-shell 0" {
		t.Errorf("unshare with a script on stdin = %q", out)
	}
}

// unshare is how a user removes files that belong to subordinate ids.
func TestUnshareOwnsSubordinateFiles(t *testing.T) {
	Require(t, "rootless", "subuid", "newuidmap")
	t.Parallel()
	e := New(t)
	e.Skiff("unshare", "sh", "-c", "mkdir -p sub/d && touch sub/d/f && chown -R 1000:1000 sub/d").Success(t)
	start, _ := subIDRange(t, "/etc/subuid", suite.testUser.Name)
	st, err := os.Stat(filepath.Join(e.Dir, "sub", "d", "f"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statUID(st), uint32(start+999); got != want {
		t.Errorf("file chowned to 1000 in the namespace belongs to %d on the host, want %d", got, want)
	}
	e.Skiff("unshare", "rm", "-rf", "sub").Success(t)
	if _, err := os.Stat(filepath.Join(e.Dir, "sub")); !os.IsNotExist(err) {
		t.Errorf("sub still there after unshare rm -rf: %v", err)
	}
}
