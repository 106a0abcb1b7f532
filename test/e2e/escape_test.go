package e2e

// Escape attempts that must fail (issue #14): each test runs a container
// doing the attack and then checks the host. Rootless and as root, like
// every e2e test.

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/testutil/dockerarchive"
)

var attackOnce struct {
	sync.Once
	path, err string
}

// attackBinary builds testdata/escape/attack.c statically (the containers
// have no C library to link against); it skips without gcc.
func attackBinary(t *testing.T) string {
	t.Helper()
	attackOnce.Do(func() {
		if _, err := exec.LookPath("gcc"); err != nil {
			attackOnce.err = "gcc is not installed (apt-get install gcc libc6-dev)"
			return
		}
		out := filepath.Join(suite.base, "fx", "attack")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			attackOnce.err = err.Error()
			return
		}
		if b, err := exec.Command("gcc", "-static", "-O2", "-o", out, filepath.Join("testdata", "escape", "attack.c")).CombinedOutput(); err != nil {
			attackOnce.err = fmt.Sprintf("gcc -static: %v: %s", err, b)
			return
		}
		attackOnce.path = out
	})
	if attackOnce.err != "" {
		t.Skip(attackOnce.err)
	}
	return attackOnce.path
}

// attack runs the attack program in a new container created with flags.
func attack(t *testing.T, e *Env, img string, flags []string, args ...string) Result {
	t.Helper()
	create := append([]string{"create", "--network", "none"}, flags...)
	id := e.Skiff(append(create, append([]string{img, "/attack"}, args...)...)...).Success(t).Out()
	e.Skiff("cp", attackBinary(t), id+":/attack").Success(t)
	r := e.Skiff("start", "-a", id)
	e.Skiff("rm", "-f", id).Success(t)
	return r
}

func hostFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) && !os.IsPermission(err) {
		t.Fatal(err)
	}
	return string(b)
}

// The system calls docker's seccomp profile refuses fail with EPERM
// (clone3 with ENOSYS, so that C libraries fall back to clone), and
// nothing they would have made shows on the host.
func TestEscapeSeccomp(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	r := attack(t, e, img, nil, "syscalls").Success(t)
	want := map[string]string{
		"unshare-user": "errno EPERM", "unshare-mount": "errno EPERM", "clone-newuser": "errno EPERM",
		"clone3": "errno ENOSYS", "mount": "errno EPERM", "keyctl": "errno EPERM", "add_key": "errno EPERM",
		"bpf": "errno EPERM", "perf_event_open": "errno EPERM", "kexec_load": "errno EPERM",
		"open_by_handle_at": "errno EPERM", "personality-ok": "ok", "socket-vsock": "errno EPERM",
	}
	got := map[string]string{}
	for _, l := range r.Lines() {
		name, res, _ := strings.Cut(l, " ")
		got[name] = res
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q (docker's default profile)", name, got[name], w)
		}
	}
	if out := e.Skiff("run", "--rm", "--network", "none", img, "unshare", "-U", "true"); out.Code == 0 || !strings.Contains(out.Stderr, "Operation not permitted") {
		t.Errorf("unshare -U: exit %d, %q", out.Code, out.Stderr)
	}
	if m := hostFile(t, "/proc/self/mountinfo"); strings.Contains(m, "skiffescape") {
		t.Error("the container's mount shows on the host")
	}
	if k := hostFile(t, "/proc/keys"); strings.Contains(k, "skiffescape") {
		t.Error("the container's key shows on the host")
	}
	// The filter goes with the container: exec gets it, unconfined and
	// --privileged get none; inspect shows the choice where docker does.
	ctr := e.Skiff("run", "-d", "--network", "none", img, "sleep", "100").Success(t).Out()
	if got := e.Skiff("exec", ctr, "grep", "^Seccomp:", "/proc/self/status").Success(t).Out(); !strings.HasSuffix(got, "2") {
		t.Errorf("exec: %q, want seccomp mode 2", got)
	}
	e.Skiff("rm", "-f", ctr).Success(t)
	for _, flags := range [][]string{{"--security-opt", "seccomp=unconfined"}, {"--privileged"}} {
		args := append(append([]string{"run", "--rm", "--network", "none"}, flags...), img, "grep", "^Seccomp:", "/proc/self/status")
		if got := e.Skiff(args...).Success(t).Out(); !strings.HasSuffix(got, "0") {
			t.Errorf("%v: %q, want no filter", flags, got)
		}
	}
}

// A profile of the user's (docker's format) replaces the default one, and
// the container keeps it (inspect shows it as docker's CLI sends it).
func TestSeccompProfileFile(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	profile := e.WriteFile("profile.json", `{
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]
	}`)
	ctr := e.Skiff("create", "--network", "none", "--security-opt", "seccomp="+profile, img, "mkdir", "/x").Success(t).Out()
	if err := os.Remove(profile); err != nil { // the container does not need the file
		t.Fatal(err)
	}
	r := e.Skiff("start", "-a", ctr)
	if r.Code != 1 || !strings.Contains(r.Stderr, "Permission denied") {
		t.Errorf("mkdir under the profile: exit %d, %q", r.Code, r.Stderr)
	}
	want := `[seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}]`
	if got := inspectField(e, ctr, "{{.HostConfig.SecurityOpt}}"); got != want {
		t.Errorf("SecurityOpt = %s, want %s", got, want)
	}
	e.Skiff("rm", ctr).Success(t)
	if got := inspectField(e, e.Skiff("create", img).Success(t).Out(), "{{json .HostConfig.SecurityOpt}}"); got != "null" {
		t.Errorf("default SecurityOpt = %s, want null as docker", got)
	}
	bad := e.WriteFile("bad.json", `{"defaultAction": "SCMP_ACT_SOMETIMES"}`)
	oneErrorLine(t, e.Skiff("run", "--rm", "--security-opt", "seccomp="+bad, img, "true"), "unknown action")
}

// /proc and /sys are docker's: the kernel's knobs are read-only and the
// files that leak the host are empty.
func TestEscapeProcSys(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	knobs := []string{"/proc/sys/kernel/sysrq", "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/hostname"}
	before := map[string]string{}
	for _, k := range knobs {
		before[k] = hostFile(t, k)
	}
	script := `for f in /proc/sysrq-trigger /proc/sys/kernel/sysrq /proc/sys/kernel/core_pattern /proc/sys/kernel/hostname /sys/kernel/uevent_helper /sys/kernel/mm/transparent_hugepage/enabled; do
		if (: > $f) 2>/dev/null; then echo "wrote $f"; fi
	done
	for f in /proc/kcore /proc/keys /proc/timer_list; do echo "$f $(head -c 4096 $f 2>/dev/null | wc -c)"; done`
	for _, flags := range [][]string{nil, {"--cap-add", "ALL"}} {
		args := append(append([]string{"run", "--rm", "--network", "none"}, flags...), img, "sh", "-c", script)
		out := e.Skiff(args...).Success(t).Out()
		if strings.Contains(out, "wrote") {
			t.Errorf("%v: a kernel knob was writable: %s", flags, out)
		}
		for _, f := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list"} {
			if !strings.Contains(out, f+" 0") {
				t.Errorf("%v: %s is readable: %s", flags, f, out)
			}
		}
	}
	for _, k := range knobs {
		if after := hostFile(t, k); after != before[k] {
			t.Errorf("%s changed on the host: %q -> %q", k, before[k], after)
		}
	}
}

// cp resolves every path inside the container, symlinks included, also
// while a process in the container swaps a directory for a symlink to /
// (docker's CVE-2018-15664): nothing is read from or written to the host.
func TestEscapeCpSymlink(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	hostShadow := hostFile(t, "/etc/shadow")
	marker := fmt.Sprintf("skiff-escape-%d", time.Now().UnixNano())
	ctr := e.Skiff("run", "-d", "--network", "none", img, "sh", "-c", `
		echo container-shadow > /etc/shadow
		ln -s /etc/shadow /lnk; ln -s / /rootlink; ln -s ../../../../../../etc/shadow /up
		mkdir -p /stash/w/etc; echo decoy > /stash/w/etc/shadow
		touch /ready
		while :; do rm -rf /w; cp -a /stash/w /w; rm -rf /w; ln -s / /w; done`).Success(t).Out()
	waitUntil(t, 10*time.Second, "the container's setup", func() bool { return e.Skiff("exec", ctr, "test", "-e", "/ready").Code == 0 })
	check := func(what, path string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			return
		}
		if hostShadow != "" && string(b) == hostShadow {
			t.Fatalf("%s copied the host's /etc/shadow", what)
		}
		if s := strings.TrimSpace(string(b)); s != "container-shadow" && s != "decoy" && s != "" { // "": mid-copy
			t.Errorf("%s copied %q", what, s)
		}
	}
	for i, src := range []string{"/lnk", "/rootlink/etc/shadow", "/up", "/rootlink/../../etc/shadow"} {
		out := filepath.Join(e.Dir, fmt.Sprintf("static%d", i))
		e.Skiff("cp", "-L", ctr+":"+src, out).Success(t)
		check("cp -L "+src, out)
	}
	in := e.WriteFile(marker, "x\n")
	copied := 0
	for i := 0; i < 50; i++ {
		out := filepath.Join(e.Dir, fmt.Sprintf("race%d", i))
		if e.Skiff("cp", ctr+":/w/etc/shadow", out).Code == 0 {
			copied++
			check("cp during the swap", out)
		}
		e.Skiff("cp", in, ctr+":/w/etc/")
	}
	if copied == 0 {
		t.Error("no cp from the swapped path succeeded: the race was not exercised")
	}
	for _, p := range []string{"/etc/" + marker, "/" + marker} {
		if _, err := os.Lstat(p); err == nil {
			os.Remove(p)
			t.Errorf("cp into the container wrote %s on the host", p)
		}
	}
	e.Skiff("rm", "-f", ctr).Success(t)
}

// Mount points, the working directory and volume targets that are
// symlinks out of the root filesystem (to /, or up) stay inside it.
func TestEscapeVolumeTargetSymlink(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	marker := fmt.Sprintf("skiff-escape-%d", time.Now().UnixNano())
	e.Skiff("run", "--name", "base", "--network", "none", img, "sh", "-c",
		"ln -s / /data && ln -s /etc /etclink && ln -s ../../../../../tmp /uplink").Success(t)
	e.Skiff("commit", "base", "symlinks").Success(t)
	vol := e.Mkdir("vol")
	e.WriteFile(filepath.Join("vol", "inside"), "volume\n")
	// a target under a symlink lands where the container sees it
	out := e.Skiff("run", "--rm", "--network", "none", "-v", vol+":/etclink/"+marker, "symlinks", "cat", "/etc/"+marker+"/inside").Success(t).Out()
	if out != "volume" {
		t.Errorf("-v under /etclink: %q", out)
	}
	e.Skiff("run", "--rm", "--network", "none", "--mount", "type=bind,src="+vol+",dst=/uplink/"+marker, "symlinks", "test", "-f", "/tmp/"+marker+"/inside").Success(t)
	e.Skiff("run", "--rm", "--network", "none", "-w", "/data/"+marker, "symlinks", "sh", "-c", "touch wd && test -f /"+marker+"/wd").Success(t)
	// a target that is a symlink to /: whatever the container makes of
	// it, nothing happens on the host's side
	e.Skiff("run", "--rm", "--network", "none", "-v", vol+":/data", "symlinks", "/bin/touch", "/data/"+marker)
	e.Skiff("run", "--rm", "--network", "none", "-v", "named:/data", "symlinks", "/bin/touch", "/data/"+marker)
	for _, p := range []string{"/" + marker, "/etc/" + marker, "/tmp/" + marker} {
		if _, err := os.Lstat(p); err == nil {
			os.RemoveAll(p)
			t.Errorf("a container made %s on the host", p)
		}
	}
	if m := hostFile(t, "/proc/self/mountinfo"); strings.Contains(m, vol) {
		t.Errorf("the volume is still mounted on the host: %s", m)
	}
}

// Neither the init nor an exec'd process lets a container process write
// to skiff's binary through /proc/PID/exe, directly or through a handle
// kept until the binary stops running (runc's CVE-2019-5736), even with
// CAP_SYS_PTRACE and a script whose interpreter is /proc/self/exe.
func TestEscapeOverwriteSkiff(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	sum := func() [32]byte {
		b, err := os.ReadFile(Binary())
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := sum()
	// --init keeps skiff as the container's PID 1 for its whole life
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, "Permission denied"}, // not dumpable
		{[]string{"--cap-add", "SYS_PTRACE"}, "Read-only file system"},
	} {
		args := append(append([]string{"run", "-d", "--init", "--network", "none"}, tc.flags...), img, "sleep", "100")
		ctr := e.Skiff(args...).Success(t).Out()
		r := e.Skiff("exec", ctr, "sh", "-c", ": > /proc/1/exe")
		if r.Code == 0 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%v: writing /proc/1/exe: exit %d, %q; want %q", tc.flags, r.Code, r.Stderr, tc.want)
		}
		e.Skiff("rm", "-f", ctr).Success(t)
	}
	ctr := e.Skiff("run", "-d", "--network", "none", "--cap-add", "SYS_PTRACE", img, "sleep", "1000").Success(t).Out()
	e.Skiff("cp", attackBinary(t), ctr+":/attack").Success(t)
	e.Skiff("exec", ctr, "sh", "-c", `printf '#!/proc/self/exe\n' > /evil && chmod +x /evil`).Success(t)
	e.Skiff("exec", "-d", ctr, "sh", "-c", "/attack overwrite 6 > /attack.out 2>&1").Success(t)
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		e.Skiff("exec", ctr, "true").Success(t)
		e.Skiff("exec", ctr, "/evil") // skiff itself, run as the container's process
	}
	var out string
	waitUntil(t, 20*time.Second, "the attack's summary", func() bool {
		out = e.Skiff("exec", ctr, "cat", "/attack.out").Out()
		return strings.Contains(out, "summary")
	})
	t.Logf("attack: %s", out)
	if strings.Contains(out, "wrote") && !strings.Contains(out, "summary wrote=0") {
		t.Errorf("the container wrote to a skiff binary: %s", out)
	}
	// every handle it got is of the read-only clone (a detached mount,
	// shown as "/"), never of the binary itself
	for _, l := range strings.Split(out, "\n") {
		if target, ok := strings.CutPrefix(l, "target "); ok && target != "/" {
			t.Errorf("the container got a handle of %s", target)
		}
	}
	e.Skiff("rm", "-f", ctr).Success(t)
	if sum() != before {
		t.Fatal("skiff's binary changed")
	}
}

// load and import refuse or contain hostile tar entries: ../ paths,
// absolute paths, a file through a symlink, a hard link out of the tree.
func TestEscapeHostileTar(t *testing.T) {
	t.Parallel()
	e := New(t)
	marker := fmt.Sprintf("skiff-escape-%d", time.Now().UnixNano())
	outside := []string{"/etc/" + marker, "/tmp/" + marker, "/" + marker}
	noHostFiles := func(what string) {
		t.Helper()
		for _, p := range outside {
			if _, err := os.Lstat(p); err == nil {
				os.Remove(p)
				t.Errorf("%s wrote %s on the host", what, p)
			}
		}
	}
	// the archive itself: members climbing out of where load reads it
	var top bytes.Buffer
	tw := tar.NewWriter(&top)
	writeTarFile(t, tw, "../../../../../../../../../../etc/"+marker, "x")
	writeTarFile(t, tw, "/tmp/"+marker, "x")
	writeTarFile(t, tw, "manifest.json", "[]")
	must(t, tw.Close())
	if r := e.Skiff("load", "-i", e.WriteFile("top.tar", top.String())); r.Code != 0 && r.Code != 125 {
		t.Errorf("load of a climbing archive: exit %d, %q", r.Code, r.Stderr)
	}
	noHostFiles("load of a climbing archive")
	// layers
	layers := map[string]func(tw *tar.Writer){
		"climbing": func(tw *tar.Writer) {
			writeTarFile(t, tw, "../../../../../../../../../../tmp/"+marker, "x")
			writeTarFile(t, tw, "/etc/"+marker, "x")
		},
		"symlink-then-file": func(tw *tar.Writer) {
			must(t, tw.WriteHeader(&tar.Header{Name: "lnk", Typeflag: tar.TypeSymlink, Linkname: "/tmp", Mode: 0o777}))
			writeTarFile(t, tw, "lnk/"+marker, "x")
			must(t, tw.WriteHeader(&tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: "../../../../../..", Mode: 0o777}))
			writeTarFile(t, tw, "up/"+marker, "x")
		},
		"hardlink-out": func(tw *tar.Writer) {
			must(t, tw.WriteHeader(&tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: "../../../../../../../../etc/passwd"}))
			must(t, tw.WriteHeader(&tar.Header{Name: "hl2", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}))
		},
	}
	for name, fill := range layers {
		var layer bytes.Buffer
		tw := tar.NewWriter(&layer)
		fill(tw)
		must(t, tw.Close())
		layerPath := e.WriteFile(name+".tar", layer.String())
		var img bytes.Buffer
		ref := "hostile-" + name
		must(t, dockerarchive.Write(&img, []dockerarchive.Image{{RepoTags: []string{ref + ":latest"}, Layers: []string{layerPath}, Created: time.Unix(0, 0)}}, time.Unix(0, 0)))
		loaded := e.Skiff("load", "-i", e.WriteFile(name+"-image.tar", img.String()))
		imported := e.Skiff("import", layerPath, ref+"-imported")
		t.Logf("%s: load exit %d %s; import exit %d %s", name, loaded.Code, strings.TrimSpace(loaded.Stderr), imported.Code, strings.TrimSpace(imported.Stderr))
		noHostFiles(name)
		for _, r := range []Result{loaded, imported} {
			if r.Code != 0 && r.Code != 125 {
				t.Errorf("%v: exit %d", r.Args, r.Code)
			}
			if r.Code != 0 || name != "hardlink-out" {
				continue
			}
			// what was kept stays inside the image: no host file behind the links
			ctr := e.Skiff("create", r.Args[len(r.Args)-1], "/bin/true").Success(t).Out()
			for _, hl := range []string{"hl", "hl2"} {
				out := filepath.Join(e.Dir, name+hl)
				if e.Skiff("cp", ctr+":/"+hl, out).Code == 0 && strings.Contains(hostFile(t, out), "root:x:0:0") {
					t.Errorf("%s: the hard link %s reaches the host's /etc/passwd", r.Args[0], hl)
				}
			}
		}
	}
}

func writeTarFile(t *testing.T, tw *tar.Writer, name, content string) {
	t.Helper()
	must(t, tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(content))}))
	_, err := tw.Write([]byte(content))
	must(t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A build reads only its context (or the stage or image --from names)
// and writes only the image's tree: sources that are symlinks out of the
// context, symlinks in a directory source, destinations under symlinks
// an earlier layer made (to / or up), and an ADDed archive with climbing
// names, a file through a symlink and hard links out.
func TestEscapeBuildSymlink(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	marker := fmt.Sprintf("skiff-escape-%d", time.Now().UnixNano())
	secret := e.WriteFile("secret", "host-secret\n") // beside the context, readable by the builder
	archive := func(fill func(tw *tar.Writer)) string {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		fill(tw)
		must(t, tw.Close())
		return b.String()
	}
	evil := archive(func(tw *tar.Writer) {
		writeTarFile(t, tw, "../../../../../../../../tmp/"+marker+".climb", "climb\n")
		must(t, tw.WriteHeader(&tar.Header{Name: "lnk", Typeflag: tar.TypeSymlink, Linkname: "/tmp", Mode: 0o777}))
		writeTarFile(t, tw, "lnk/"+marker+".lnk", "through-lnk\n")
		must(t, tw.WriteHeader(&tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: "../../../../../../../..", Mode: 0o777}))
		writeTarFile(t, tw, "up/tmp/"+marker+".upl", "through-up\n")
	})
	links := archive(func(tw *tar.Writer) {
		must(t, tw.WriteHeader(&tar.Header{Name: "sec", Typeflag: tar.TypeSymlink, Linkname: filepath.Dir(secret), Mode: 0o777}))
		must(t, tw.WriteHeader(&tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: "sec/secret"}))
		must(t, tw.WriteHeader(&tar.Header{Name: "hl2", Typeflag: tar.TypeLink, Linkname: secret}))
		must(t, tw.WriteHeader(&tar.Header{Name: "hl3", Typeflag: tar.TypeLink, Linkname: "../../../../../../../.." + secret}))
	})
	ctx := buildContext(e, "ctx", map[string]string{
		"marker":    "from-context\n",
		"dir/plain": "plain\n",
		"evil.tar":  evil,
		"links.tar": links,
	})
	for name, target := range map[string]string{
		"abs": secret, "up": "../secret", "deep": "../../../../../../../../.." + secret,
		"rootlink": "/", "dir/inner": secret, "dir/innerup": "../../secret",
	} {
		must(t, os.Symlink(target, filepath.Join(ctx, name)))
	}
	build := func(df string) Result {
		t.Helper()
		e.WriteFile("ctx/Dockerfile", df)
		return e.Skiff("build", "-t", "escape", ctx)
	}
	// sources that leave the context resolve inside it: not found
	for _, src := range []string{"abs", "up", "deep", "rootlink" + secret, "rootlink/../secret", "abs/..", "dir/../../secret"} {
		r := build("FROM busybox\nCOPY " + src + " /got\nRUN cat /got\n")
		if strings.Contains(r.Stdout+r.Stderr, "host-secret") {
			t.Errorf("COPY %s read the host's file:\n%s%s", src, r.Stdout, r.Stderr)
		}
		if r.Code == 0 {
			t.Errorf("COPY %s: the build succeeded", src)
		}
	}
	// symlinks inside a directory source are copied as symlinks, and
	// COPY's destinations under an earlier layer's symlinks land inside
	// the image
	build(`FROM busybox
RUN ln -s / /rootlink && ln -s ../../../../../../../../tmp /uplink && ln -s /etc /etclink && mkdir /etc/` + marker + `
COPY dir /d/
COPY marker /rootlink/tmp/` + marker + `
COPY marker /uplink/` + marker + `.up
COPY marker /etclink/` + marker + `/
ADD evil.tar /rootlink/
ADD evil.tar /x/
`).Success(t)
	out := e.Skiff("run", "--rm", "escape", "sh", "-c", "cd /tmp && cat "+marker+" "+marker+".up /etc/"+marker+"/marker "+
		marker+".climb "+marker+".lnk "+marker+".upl /x/tmp/"+marker+".climb; readlink /d/inner; readlink /x/lnk").Success(t).Out()
	if want := "from-context\nfrom-context\nfrom-context\nclimb\nthrough-lnk\nthrough-up\nclimb\n" + secret + "\n/tmp"; out != want {
		t.Errorf("in the image: %q, want %q", out, want)
	}
	// hard links out of the archive or through its symlink: refused, or
	// links to nothing of the host's
	for _, dest := range []string{"/", "/x/"} {
		r := build("FROM busybox\nADD links.tar " + dest + "\nRUN cat " + dest + "hl " + dest + "hl2 " + dest + "hl3 /d/inner /d/innerup; true\n")
		buildFails(t, r, "hard link hl points to sec/secret, which is not a file the archive holds before it")
		if strings.Contains(r.Stdout, "host-secret") {
			t.Errorf("ADD links.tar %s linked the host's file:\n%s", dest, r.Stdout)
		}
	}
	for _, p := range []string{"/tmp/" + marker, "/tmp/" + marker + ".up", "/tmp/" + marker + ".climb", "/tmp/" + marker + ".lnk",
		"/tmp/" + marker + ".upl", "/etc/" + marker, "/" + marker} {
		if _, err := os.Lstat(p); err == nil {
			os.RemoveAll(p)
			t.Errorf("the build wrote %s on the host", p)
		}
	}
	if b := hostFile(t, secret); b != "host-secret\n" {
		t.Errorf("the host's file changed: %q", b)
	}
	// COPY --from a stage whose file is a symlink to a host path
	r := build("FROM busybox AS s\nRUN ln -s " + secret + " /lnk && ln -s / /root2\nFROM busybox\nCOPY --from=s /lnk /a\nCOPY --from=s /root2" + secret + " /b\n")
	if r.Code == 0 {
		if out := e.Skiff("run", "--rm", "escape", "cat", "/a", "/b").Out(); strings.Contains(out, "host-secret") {
			t.Errorf("COPY --from read the host's file: %q", out)
		}
	}
	noBuildLeftovers(t, e)
}
