package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Host prerequisites (internal/hostcheck): each misconfiguration a test
// can create here makes skiff fail with one line naming the cause and the
// fix instead of a helper's own words, and `skiff system check` reports it
// and exits 1.

// checkReport is `system check --format json`.
type checkReport struct {
	Sections []struct {
		Title   string
		Results []struct {
			Check    string
			Findings []struct{ Severity, Cause, Fix string }
		}
	}
}

// systemCheck runs `system check` in both formats and returns the text and
// the problems found (one line each), checking that the two agree and the
// exit status is 1 exactly when there is a problem.
func systemCheck(e *Env) (text string, problems []string) {
	text, problems, _ = systemCheckReport(e)
	return text, problems
}

// systemCheckReport is systemCheck that also returns the names of the
// checks that ran.
func systemCheckReport(e *Env) (text string, problems, checks []string) {
	e.T.Helper()
	r := e.Skiff("system", "check", "--format", "json")
	var rep checkReport
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil || len(rep.Sections) == 0 {
		e.T.Fatalf("system check --format json: exit %d, %v: %s %s", r.Code, err, r.Stdout, r.Stderr)
	}
	for _, s := range rep.Sections {
		for _, res := range s.Results {
			if res.Check == "" || res.Findings == nil {
				e.T.Errorf("system check: result %+v lacks a name or a findings list", res)
			}
			checks = append(checks, res.Check)
			for _, f := range res.Findings {
				if f.Severity == "problem" {
					problems = append(problems, f.Cause+"; "+f.Fix)
				}
			}
		}
	}
	want := 0
	if len(problems) > 0 {
		want = 1
	}
	t := e.Skiff("system", "check")
	if r.Code != want || t.Code != want {
		e.T.Fatalf("system check exits %d (text) and %d (json) with %d problems, want %d:\n%s%s", t.Code, r.Code, len(problems), want, t.Stdout, t.Stderr)
	}
	for _, p := range problems {
		if !strings.Contains(t.Stdout, "problem  "+p+"\n") {
			e.T.Errorf("system check text lacks the problem line %q:\n%s", p, t.Stdout)
		}
	}
	return t.Stdout, problems, checks
}

// hasProblem fails the test unless one problem line contains every want.
func hasProblem(t *testing.T, problems []string, want ...string) {
	t.Helper()
next:
	for _, p := range problems {
		for _, w := range want {
			if !strings.Contains(p, w) {
				continue next
			}
		}
		return
	}
	t.Errorf("no problem line contains %q; problems:\n  %s", want, strings.Join(problems, "\n  "))
}

// explained checks that a failed command printed the check's line, not
// the helper's words: exit 125, one line, containing want.
func explained(t *testing.T, r Result, notWant string, want ...string) {
	t.Helper()
	oneErrorLine(t, r, want[0])
	for _, w := range want[1:] {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("%v: stderr lacks %q: %s", r.Args[1:], w, r.Stderr)
		}
	}
	if notWant != "" && strings.Contains(r.Stderr, notWant) {
		t.Errorf("%v: stderr shows the helper's own words %q: %s", r.Args[1:], notWant, r.Stderr)
	}
}

func TestSystemCheckReport(t *testing.T) {
	t.Parallel()
	e := New(t)
	text, _, checks := systemCheckReport(e)
	want := []string{"storage (overlay)", "network helpers (pasta, slirp4netns)", "cgroups (resource limits)"}
	if e.Rootless {
		want = append(want, "user namespaces", "subordinate ids", "newuidmap, newgidmap", "/dev/net/tun")
	}
	for _, w := range want {
		if !slices.Contains(checks, w) {
			t.Errorf("system check does not run %q: %q", w, checks)
		}
	}
	if !strings.HasPrefix(text, "Host prerequisites (") {
		t.Errorf("system check starts with %q", strings.SplitN(text, "\n", 2)[0])
	}
	if r := e.Skiff("system", "check", "extra"); r.Code != 125 {
		t.Errorf("system check with an argument: exit %d", r.Code)
	}
	r := e.Skiff("system", "check", "--format", "{{range .Sections}}{{.Title}}{{end}}")
	if !strings.HasPrefix(r.Out(), "Host prerequisites (") || (r.Code != 0 && r.Code != 1) {
		t.Errorf("system check --format template: exit %d, %q", r.Code, r.Stdout)
	}
}

// /dev/net/tun of mode 0600 (as some VM images ship it): pasta and
// slirp4netns fail with "Failed to open tun socket". The test does not
// chmod the host's device: it binds a 0600 node of its own over it in the
// test's rootless mount namespace, which only this test's skiff sees.
func TestHostCheckTunMode(t *testing.T) {
	Require(t, "rootless", "hostroot", "busybox", "pasta")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	node := filepath.Join(e.Dir, "tun0600")
	if err := syscall.Mknod(node, syscall.S_IFCHR|0o600, int(10<<8|200)); err != nil {
		t.Fatal(err)
	}
	// a container holds the namespace (and the bind) for the test's length
	e.Skiff("run", "-d", "--network", "none", "--name", "holder", BusyboxImage, "sleep", "600").Success(t)
	e.Skiff("unshare", "mount", "--bind", node, "/dev/net/tun").Success(t)

	fix := "run as root: chmod 0666 /dev/net/tun"
	explained(t, e.Skiff("run", "--rm", BusyboxImage, "true"), "Failed to open tun", "/dev/net/tun has mode 0600", fix)
	explained(t, e.Skiff("run", "--rm", "--network", "pasta", BusyboxImage, "true"), "Failed to open tun", "/dev/net/tun has mode 0600", fix)
	if requirements["slirp4netns"]() == "" {
		explained(t, e.Skiff("run", "--rm", "--network", "slirp4netns", BusyboxImage, "true"), "", "/dev/net/tun has mode 0600", fix)
	}
	_, problems := systemCheck(e)
	hasProblem(t, problems, "/dev/net/tun has mode 0600", fix, `KERNEL=="tun", MODE="0666"`)
	// what does not need the device still works
	e.Skiff("run", "--rm", "--network", "none", BusyboxImage, "true").Success(t)
}

// A host without a default route: pasta refuses to start ("External
// interface not usable"); skiff says what is missing and how to fix it
// instead. Each command runs in a network namespace of its own holding
// only a loopback, so the host's routes stay as they are.
func TestHostCheckNoDefaultRoute(t *testing.T) {
	Require(t, "hostroot", "busybox", "pasta")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	cause, fix := "the host has no default route", "ip route add default via GATEWAY"
	explained(t, e.SkiffNoRoute("run", "--rm", "--network", "pasta", BusyboxImage, "true"), "External interface", cause, fix)
	if e.Rootless {
		explained(t, e.SkiffNoRoute("run", "--rm", BusyboxImage, "true"), "External interface", cause, fix)
	}
	r := e.SkiffNoRoute("system", "check")
	if !strings.Contains(r.Stdout, cause) || (e.Rootless && r.Code != 1) {
		t.Errorf("system check without a default route: exit %d:\n%s", r.Code, r.Stdout)
	}
	// what does not need pasta still works
	e.SkiffNoRoute("run", "--rm", "--network", "none", BusyboxImage, "true").Success(t)
	// and with the host's routes, the finding is gone
	if r := e.Skiff("system", "check"); strings.Contains(r.Stdout, cause) {
		t.Errorf("system check with the host's routes reports: %s", r.Stdout)
	}
}

// onlyPath makes a directory for PATH holding links to every program of
// the usual directories except the named ones.
func onlyPath(e *Env, except ...string) string {
	e.T.Helper()
	dir := e.Mkdir("path")
	skip := map[string]bool{}
	for _, x := range except {
		skip[x] = true
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		entries, _ := os.ReadDir(d)
		for _, en := range entries {
			if skip[en.Name()] {
				continue
			}
			if err := os.Symlink(filepath.Join(d, en.Name()), filepath.Join(dir, en.Name())); err != nil && !errors.Is(err, os.ErrExist) {
				e.T.Fatal(err)
			}
		}
	}
	return dir
}

// No pasta or slirp4netns on PATH: rootless containers have no way out,
// and --network pasta cannot work, as root too.
func TestHostCheckMissingNetworkHelper(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	e.Setenv("PATH", onlyPath(e, "pasta", "pasta.avx2", "passt", "passt.avx2", "slirp4netns"))

	explained(t, e.Skiff("run", "--rm", "--network", "pasta", BusyboxImage, "true"), "",
		"pasta is not on PATH", "run as root: apt-get install passt")
	explained(t, e.Skiff("run", "--rm", "--network", "slirp4netns", BusyboxImage, "true"), "",
		"slirp4netns is not on PATH", "run as root: apt-get install slirp4netns")
	e.Skiff("run", "--rm", "--network", "none", BusyboxImage, "true").Success(t)
	text, problems := systemCheck(e)
	if !e.Rootless {
		e.Skiff("run", "--rm", BusyboxImage, "true").Success(t) // bridges need no helper
		if !strings.Contains(text, "note     neither pasta nor slirp4netns is on PATH") {
			t.Errorf("as root a missing helper is a note:\n%s", text)
		}
		return
	}
	explained(t, e.Skiff("run", "--rm", BusyboxImage, "true"), "",
		"rootless networking needs pasta or slirp4netns and neither is on PATH", "run as root: apt-get install passt")
	hasProblem(t, problems, "neither is on PATH", "apt-get install passt")
}

// A newuidmap without its setuid bit first on PATH (a copy, a nosuid
// mount): newuidmap says only "Operation not permitted".
func TestHostCheckNewuidmapNotSetuid(t *testing.T) {
	Require(t, "rootless", "subuid", "newuidmap")
	t.Parallel()
	e := New(t)
	dir := e.Mkdir("bin")
	for _, tool := range []string{"newuidmap", "newgidmap"} {
		b, err := os.ReadFile("/usr/bin/" + tool)
		if err != nil {
			t.Skipf("no /usr/bin/%s: %v", tool, err)
		}
		p := filepath.Join(dir, tool)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := chownTree(p, e.user); err != nil {
			t.Fatal(err)
		}
	}
	e.Setenv("PATH", dir+":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
	fix := "chmod u+s " + filepath.Join(dir, "newuidmap")
	explained(t, e.Skiff("images"), "Operation not permitted",
		filepath.Join(dir, "newuidmap")+" is not setuid root and has no file capability", fix, "remove "+dir+" from PATH")
	_, problems := systemCheck(e)
	hasProblem(t, problems, filepath.Join(dir, "newuidmap")+" is not setuid root", fix)
	hasProblem(t, problems, filepath.Join(dir, "newgidmap")+" is not setuid root")
}

// No newuidmap and newgidmap on PATH (uidmap not installed) while the
// user has ranges: skiff cannot map them, and says which package to
// install.
func TestHostCheckNewuidmapMissing(t *testing.T) {
	Require(t, "rootless", "subuid")
	t.Parallel()
	e := New(t)
	e.Setenv("PATH", onlyPath(e, "newuidmap", "newgidmap"))
	cause, fix := "newuidmap and newgidmap not found on PATH: skiff cannot map your subordinate ids", "run as root: apt-get install uidmap"
	explained(t, e.Skiff("images"), "", cause, fix)
	_, problems := systemCheck(e)
	hasProblem(t, problems, cause, fix)
}

// The ranges of the range user (SKIFF_TEST_RANGE_USER, a user of its own:
// the test rewrites its lines of /etc/subuid and /etc/subgid and puts them
// back; no other user's line is touched). One case at a time: each
// changes the files every new user namespace of that user reads.
func TestHostCheckSubIDRanges(t *testing.T) {
	Require(t, "rootless", "hostroot", "subuid", "rangeuser")
	name := os.Getenv("SKIFF_TEST_RANGE_USER")
	a, err := lookupAccount(name)
	if err != nil {
		t.Fatal(err)
	}
	uidLines, gidLines := userLines(t, "/etc/subuid", name), userLines(t, "/etc/subgid", name)
	if len(uidLines) == 0 || len(gidLines) == 0 {
		t.Skipf("%s has no range of its own in /etc/subuid and /etc/subgid", name)
	}
	start, count := subIDRange(t, "/etc/subuid", name)
	other, otherCount := subIDRange(t, "/etc/subuid", suite.testUser.Name)
	for _, tc := range []struct {
		name       string
		uids, gids []string // the range user's lines
		run        bool     // start a namespace with them (false: it would share another user's ids)
		want       []string // in the error line and the problem
	}{
		{"missing", nil, nil, true,
			[]string{"no subordinate ids for " + name + " in /etc/subuid and /etc/subgid", "run as root: usermod --add-subuids "}},
		{"overlapping", append(uidLines, fmt.Sprintf("%s:%d:100", name, start+100)), gidLines, true,
			[]string{fmt.Sprintf("the /etc/subuid ranges of %s overlap each other (%d-%d and %d-%d)", name, start, start+count-1, start+100, start+199),
				`newuidmap fails with "write to uid_map failed: Invalid argument"`,
				fmt.Sprintf("run as root: usermod --del-subuids %d-%d --add-subuids %d-%d %s", start, start+count-1, start, start+count-1, name)}},
		{"own id", uidLines, []string{fmt.Sprintf("%s:%d:65536", name, max(0, a.GID-10))}, true,
			[]string{fmt.Sprintf("the /etc/subgid range %d-%d of %s contains %s's own gid %d", max(0, a.GID-10), max(0, a.GID-10)+65535, name, name, a.GID),
				"newgidmap fails", fmt.Sprintf("usermod --del-subgids %d-%d --add-subgids ", max(0, a.GID-10), max(0, a.GID-10)+65535)}},
		{"shared", []string{fmt.Sprintf("%s:%d:10", name, other+10)}, gidLines, false,
			[]string{fmt.Sprintf("the /etc/subuid range %d-%d of %s overlaps %s's %d-%d", other+10, other+19, name, suite.testUser.Name, other, other+otherCount-1),
				"share those ids", fmt.Sprintf("usermod --del-subuids %d-%d --add-subuids ", other+10, other+19)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			restore := setUserLines(t, name, tc.uids, tc.gids)
			defer restore()
			e := New(t, AsUser(name))
			if tc.name == "missing" {
				// a single-id namespace, and the finding as its warning
				r := e.Skiff("info", "--format", "{{json .IDMappings.UIDMap}}").Success(t)
				if !strings.Contains(r.Stderr, "WARNING: "+tc.want[0]) || !strings.Contains(r.Stderr, tc.want[1]) {
					t.Errorf("no warning naming the cause and fix: %s", r.Stderr)
				}
			} else if tc.run {
				explained(t, e.Skiff("images"), "", tc.want...)
			}
			_, problems := systemCheck(e)
			hasProblem(t, problems, tc.want...)
		})
	}
	for file, was := range map[string][]string{"/etc/subuid": uidLines, "/etc/subgid": gidLines} {
		if got := userLines(t, file, name); strings.Join(got, "\n") != strings.Join(was, "\n") {
			t.Errorf("%s's %s lines are %q after the test, were %q", name, file, got, was)
		}
	}
}

// userLines are the lines of file that belong to name.
func userLines(t *testing.T, file, name string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name+":") {
			out = append(out, l)
		}
	}
	return out
}

// setUserLines makes uids and gids name's lines of /etc/subuid and
// /etc/subgid and returns what puts the lines it found back, in place.
func setUserLines(t *testing.T, name string, uids, gids []string) (restore func()) {
	t.Helper()
	oldU, oldG := userLines(t, "/etc/subuid", name), userLines(t, "/etc/subgid", name)
	replaceUserLines(t, "/etc/subuid", name, uids)
	replaceUserLines(t, "/etc/subgid", name, gids)
	return func() {
		replaceUserLines(t, "/etc/subuid", name, oldU)
		replaceUserLines(t, "/etc/subgid", name, oldG)
	}
}

// replaceUserLines rewrites file with name's lines replaced by lines, at
// the place of the first of them, under shadow-utils' lock (FILE.lock, as
// usermod takes it), with a rename: readers see the old file or the new.
func replaceUserLines(t *testing.T, file, name string, lines []string) {
	t.Helper()
	unlock := lockShadowFile(t, file)
	defer unlock()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	placed := false
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.HasPrefix(l, name+":") {
			out = append(out, l)
		} else if !placed {
			out, placed = append(out, lines...), true
		}
	}
	if !placed {
		out = append(out, lines...)
	}
	var content string
	for _, l := range out {
		if l != "" {
			content += l + "\n"
		}
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.skiff-test.%d", file, os.Getpid())
	if err := os.WriteFile(tmp, []byte(content), st.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		t.Fatal(err)
	}
}

// lockShadowFile takes shadow-utils' lock of file: FILE.lock, made by
// linking a file that holds our pid.
func lockShadowFile(t *testing.T, file string) (unlock func()) {
	t.Helper()
	own := fmt.Sprintf("%s.%d", file, os.Getpid())
	if err := os.WriteFile(own, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(own)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := os.Link(own, file+".lock")
		if err == nil {
			return func() { os.Remove(file + ".lock") }
		}
		if !errors.Is(err, os.ErrExist) || time.Now().After(deadline) {
			t.Fatalf("locking %s: %v", file, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// skiffUsernsLimit is Skiff run in a user namespace of its own that maps
// every id as the host does (the test process must be root) and whose
// user.max_user_namespaces is 0: there, as on a host where that sysctl is
// 0, the user may create no user namespace. The sysctl is per user
// namespace, so the host's and every other test's stay as they are.
func (e *Env) skiffUsernsLimit(args ...string) Result {
	e.T.Helper()
	return e.runWith(nil, func(cmd *exec.Cmd) {
		// root in the new namespace sets the limit, then becomes the
		// test's user and runs skiff
		script := fmt.Sprintf(`echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --reuid=%d --regid=%d --clear-groups -- "$@"`, e.UID, e.GID)
		cmd.Args = append([]string{"sh", "-c", script, "sh", cmd.Path}, cmd.Args[1:]...)
		cmd.Path = "/bin/sh"
		all := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1<<32 - 1}}
		cmd.SysProcAttr.Credential = nil
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings, cmd.SysProcAttr.GidMappings = all, all
		cmd.SysProcAttr.GidMappingsEnableSetgroups = true
	}, suite.binary, e.GlobalArgs, args)
}

// User namespaces switched off (user.max_user_namespaces = 0; Debian's
// kernel.unprivileged_userns_clone = 0 and Ubuntu's AppArmor knob are
// host-wide, so only unit tests reach them): clone fails with "No space
// left on device", which says nothing of the cause.
func TestHostCheckUsernsDisabled(t *testing.T) {
	Require(t, "rootless", "hostroot")
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv (util-linux)")
	}
	t.Parallel()
	e := New(t)
	cause := "user namespaces are disabled (user.max_user_namespaces = 0): rootless skiff cannot start"
	fix := "run as root: sysctl -w user.max_user_namespaces=28633"
	explained(t, e.skiffUsernsLimit("images"), "no space left on device", cause, fix)
	r := e.skiffUsernsLimit("system", "check")
	if r.Code != 1 || !strings.Contains(r.Stdout, "problem  "+cause+"; "+fix) {
		t.Errorf("system check with user.max_user_namespaces = 0: exit %d:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	// outside that namespace nothing is wrong
	e.Skiff("images").Success(t)
}

// A store on an overlay filesystem (skiff run inside a container) and no
// fuse-overlayfs: the kernel's overlay cannot stack on overlayfs, so skiff
// keeps images with vfs, which copies every layer. It works, slowly; skiff
// says why and the fix once, when it makes the store, and system check
// reports it. The test mounts an overlay of its own beside its directory
// and puts the store in it.
func TestHostCheckNoOverlay(t *testing.T) {
	Require(t, "hostroot", "busybox")
	t.Parallel()
	dir, err := os.MkdirTemp(suite.base, "ovl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(dir, "m")
	for _, d := range []string{"lower", "upper", "work", "m"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", dir, dir, dir)
	if err := syscall.Mount("overlay", mnt, "overlay", 0, opts); err != nil {
		t.Skipf("cannot mount overlay here: %v", err)
	}
	// registered before New: runs after the test's own clean-up, which
	// removes the store inside
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", mnt, err)
		}
		os.RemoveAll(dir)
	})
	e := New(t)
	if err := chownTree(mnt, e.user); err != nil {
		t.Fatal(err)
	}
	e.Root = filepath.Join(mnt, "root")
	e.GlobalArgs = []string{"--root", e.Root, "--runroot", e.RunRoot}
	e.Setenv("PATH", onlyPath(e, "fuse-overlayfs"))

	cause := e.Root + " is on an overlay filesystem (skiff runs in a container?), on which overlay cannot stack, and no usable fuse-overlayfs is installed"
	fix := "run as root: apt-get install fuse-overlayfs"
	r := e.Skiff("load", "-i", fixture(t, "busybox.tar")).Success(t)
	var warnings []string
	for _, l := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		if strings.HasPrefix(l, "WARNING: ") {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], cause) || !strings.Contains(warnings[0], fix) {
		t.Errorf("the first command on the store: want one WARNING line with the cause and the fix, stderr:\n%s", r.Stderr)
	}
	// said once: the store now holds vfs data
	if r := e.Skiff("images").Success(t); strings.Contains(r.Stderr, "WARNING") {
		t.Errorf("a later command warns again: %s", r.Stderr)
	}
	if d := e.Skiff("info", "--format", "{{.Driver}}").Success(t).Out(); d != "vfs" {
		t.Errorf("storage driver %q, want vfs", d)
	}
	_, problems := systemCheck(e)
	hasProblem(t, problems, cause, fix)
	e.Skiff("run", "--rm", "--network", "none", BusyboxImage, "true").Success(t)
}
