package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// --userns=keep-id: the user's ids are the same inside, the image keeps
// its owners, a bind-mounted tree is editable from both sides, and no
// layer is copied.
func TestUsernsKeepID(t *testing.T) {
	Require(t, "rootless", "subuid", "fuse-overlayfs")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	src := e.Mkdir("src")
	e.WriteFile("src/mine", "host\n")
	ids := strconv.Itoa(e.UID) + ":" + strconv.Itoa(e.GID)
	before := layerDirs(t, e)
	start := time.Now()
	got := runOut(t, e, "--userns=keep-id", "-v", src+":/src", img, "sh", "-c",
		"id -u; id -g; stat -c %u:%g /bin/busybox /src/mine; echo container > /src/theirs; touch /tmp/x && stat -c %u /tmp/x")
	took := time.Since(start)
	want := strconv.Itoa(e.UID) + "\n" + strconv.Itoa(e.GID) + "\n0:0\n" + ids + "\n" + strconv.Itoa(e.UID)
	if got != want {
		t.Errorf("inside a keep-id container:\n%s\nwant:\n%s", got, want)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(src, "theirs"), &st); err != nil || int(st.Uid) != e.UID || int(st.Gid) != e.GID {
		t.Errorf("file written by the user in the container: owner %d:%d (%v), want %s", st.Uid, st.Gid, err, ids)
	}
	if after := layerDirs(t, e); after != before {
		t.Errorf("layer directories: %d before, %d after a keep-id run --rm (a copied layer stays)", before, after)
	}
	if took > 20*time.Second {
		t.Errorf("keep-id run took %v", took)
	}
	// root inside is still root of the image's files; exec and cp work
	ctr := e.Skiff("run", "-d", "--userns=keep-id", img, "sleep", "300").Success(t).Out()
	if got := e.Skiff("exec", ctr, "id", "-u").Success(t).Out(); got != strconv.Itoa(e.UID) {
		t.Errorf("exec in a keep-id container runs as %s", got)
	}
	if got := e.Skiff("exec", "-u", "0", ctr, "sh", "-c", "id -u; echo r > /root-made; stat -c %u /root-made").Success(t).Out(); got != "0\n0" {
		t.Errorf("exec -u 0: %q", got)
	}
	e.Skiff("exec", ctr, "sh", "-c", "echo u > /tmp/user-made").Success(t)
	tr := tarEntries(t, strings.NewReader(e.Skiff("export", ctr).Success(t).Stdout))
	if h := tr["tmp/user-made"]; h == nil || h.Uid != e.UID {
		t.Errorf("export of a keep-id container: tmp/user-made %+v", h)
	}
	if h := tr["root-made"]; h == nil || h.Uid != 0 {
		t.Errorf("export of a keep-id container: root-made %+v", h)
	}
	e.Skiff("rm", "-f", ctr).Success(t)
	if m := e.mounts(e.pauseOf()); len(m) > 0 {
		t.Errorf("mounts left after rm: %v", m)
	}
}

func TestUsernsBadValues(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	oneErrorLine(t, e.Skiff("run", "--rm", "--userns=nomap", img, "true"), "--userns=nomap is not supported")
	e.Skiff("run", "--rm", "--userns=host", img, "true").Success(t)
	if !e.Rootless {
		oneErrorLine(t, e.Skiff("run", "--rm", "--userns=keep-id", img, "true"), "--userns=keep-id is only for rootless skiff")
	}
}

// layerDirs counts the overlay layer directories of the store.
func layerDirs(t *testing.T, e *Env) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(e.Root, "overlay"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range entries {
		if d.IsDir() && d.Name() != "l" {
			n++
		}
	}
	return n
}

func (e *Env) pauseOf() int {
	pid, _ := e.pauseProcess()
	return pid
}
