package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// subIDRange is the first /etc/subuid (or subgid) range of user name.
func subIDRange(t *testing.T, file, name string) (start, count int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(l), ":")
		if len(f) == 3 && f[0] == name {
			start, _ = strconv.Atoi(f[1])
			count, _ = strconv.Atoi(f[2])
			return start, count
		}
	}
	t.Fatalf("no %s range for %s", file, name)
	return 0, 0
}

type idMap struct{ ContainerID, HostID, Size int }

func TestRootlessInfoShowsMapping(t *testing.T) {
	Require(t, "rootless", "subuid", "newuidmap")
	t.Parallel()
	e := New(t)
	start, count := subIDRange(t, "/etc/subuid", suite.testUser.Name)
	var m struct{ UIDMap, GIDMap []idMap }
	if err := json.Unmarshal([]byte(e.Skiff("info", "--format", "{{json .IDMappings}}").Success(t).Stdout), &m); err != nil {
		t.Fatal(err)
	}
	want := []idMap{{0, e.UID, 1}, {1, start, count}}
	if len(m.UIDMap) != 2 || m.UIDMap[0] != want[0] || m.UIDMap[1] != want[1] {
		t.Errorf("uid mapping = %+v, want %+v", m.UIDMap, want)
	}
	if len(m.GIDMap) < 2 || m.GIDMap[0] != (idMap{0, e.GID, 1}) {
		t.Errorf("gid mapping = %+v", m.GIDMap)
	}
	text := e.Skiff("info").Success(t).Stdout
	for _, w := range []string{"Rootless: yes", fmt.Sprintf("uid 0 -> host %d (1 ids)", e.UID),
		fmt.Sprintf("uid 1 -> host %d (%d ids)", start, count)} {
		if !strings.Contains(text, w) {
			t.Errorf("info lacks %q:\n%s", w, text)
		}
	}
	// the namespace is the one commands run in
	uidMap := e.Skiff("unshare", "cat", "/proc/self/uid_map").Success(t).Stdout
	if f := strings.Fields(uidMap); len(f) < 6 || f[1] != strconv.Itoa(e.UID) || f[4] != strconv.Itoa(start) {
		t.Errorf("unshare cat /proc/self/uid_map = %q", uidMap)
	}
}

// A user without /etc/subuid entry gets a single-id mapping and one warning
// line naming the fix.
func TestMissingSubuidWarns(t *testing.T) {
	Require(t, "hostroot")
	t.Parallel()
	if hasSubIDs("nobody") {
		t.Skip("nobody has a subuid range here")
	}
	e := New(t, AsUser("nobody"))
	r := e.Skiff("info", "--format", "{{json .IDMappings.UIDMap}}").Success(t)
	var warnings []string
	for _, l := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		if strings.Contains(l, "subordinate") || strings.Contains(l, "subuid") {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "usermod --add-subuids") || !strings.Contains(warnings[0], "nobody") {
		t.Errorf("want one warning line naming `usermod --add-subuids ... nobody`, stderr:\n%s", r.Stderr)
	}
	var m []idMap
	if err := json.Unmarshal([]byte(r.Stdout), &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[0] != (idMap{0, e.UID, 1}) {
		t.Errorf("uid mapping = %+v, want one id", m)
	}
	// warned once, when the namespace was made
	if r := e.Skiff("info", "--format", "{{.Rootless}}").Success(t); strings.Contains(r.Stderr, "subordinate") {
		t.Errorf("second command warned again: %s", r.Stderr)
	}
}

// Without XDG_RUNTIME_DIR (CI, su -) rootless skiff keeps its runtime
// state under TMPDIR; with one the user owns, there.
func TestRuntimeDirFallback(t *testing.T) {
	Require(t, "rootless")
	t.Parallel()
	e := New(t)
	e.GlobalArgs = []string{"--root", e.Root} // default --runroot
	out := e.Skiff("info", "--format", "{{.RunRoot}}").Success(t).Out()
	want := filepath.Join(e.Tmp, fmt.Sprintf("skiff-run-%d", e.UID))
	if out != want {
		t.Errorf("default runroot without XDG_RUNTIME_DIR = %q, want %q", out, want)
	}
	if _, err := os.Stat(filepath.Join(want, "pause.pid")); err != nil {
		t.Errorf("no pause.pid in %s: %v", want, err)
	}
	st, err := os.Stat(want)
	if err == nil && st.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want 0700", want, st.Mode().Perm())
	}

	e2 := New(t)
	e2.GlobalArgs = []string{"--root", e2.Root}
	xdg := e2.Mkdir("xdg")
	if err := os.Chmod(xdg, 0o700); err != nil {
		t.Fatal(err)
	}
	e2.Setenv("XDG_RUNTIME_DIR", xdg)
	if out := e2.Skiff("info", "--format", "{{.RunRoot}}").Success(t).Out(); out != filepath.Join(xdg, "skiff") {
		t.Errorf("runroot with XDG_RUNTIME_DIR = %q, want %q", out, filepath.Join(xdg, "skiff"))
	}
	if _, err := os.Stat(filepath.Join(xdg, "skiff", "pause.pid")); err != nil {
		t.Errorf("no pause.pid under XDG_RUNTIME_DIR: %v", err)
	}
}

// XDG_RUNTIME_DIR pointing at a directory of another user (sudo, su
// without -) is not used.
func TestRuntimeDirForeignXDG(t *testing.T) {
	Require(t, "rootless", "hostroot")
	t.Parallel()
	e := New(t)
	e.GlobalArgs = []string{"--root", e.Root}
	foreign := filepath.Join(e.Dir, "foreign")
	if err := os.Mkdir(foreign, 0o755); err != nil { // owned by root
		t.Fatal(err)
	}
	e.Setenv("XDG_RUNTIME_DIR", foreign)
	want := filepath.Join(e.Tmp, fmt.Sprintf("skiff-run-%d", e.UID))
	if out := e.Skiff("info", "--format", "{{.RunRoot}}").Success(t).Out(); out != want {
		t.Errorf("runroot with a foreign XDG_RUNTIME_DIR = %q, want %q", out, want)
	}
}

func TestRootlessStorageBelongsToUser(t *testing.T) {
	Require(t, "rootless")
	t.Parallel()
	e := New(t)
	e.Skiff("info").Success(t)
	st, err := os.Stat(e.Root)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := user.LookupId(strconv.Itoa(e.UID)); u != nil {
		if owner := fmt.Sprint(statUID(st)); owner != u.Uid {
			t.Errorf("%s belongs to uid %s, want %s", e.Root, owner, u.Uid)
		}
	}
}
