package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var fullID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// run -d prints the full ID; the container runs without the CLI.
func TestRunDetachPrintsFullID(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	r := e.Skiff("run", "-d", img, "sleep", "100").Success(t)
	id := r.Out()
	if !fullID.MatchString(id) || len(r.Lines()) != 1 {
		t.Fatalf("run -d printed %q, want one full ID", r.Stdout)
	}
	if r.Stderr != "" {
		t.Errorf("run -d wrote to stderr: %q", r.Stderr)
	}
	if got := inspectField(e, id[:12], "{{.State.Status}} {{.Id}}"); got != "running "+id {
		t.Errorf("inspect = %q", got)
	}
	if got := e.Skiff("ps", "-q", "--no-trunc").Out(); got != id {
		t.Errorf("ps -q --no-trunc = %q, want %s", got, id)
	}
	e.Skiff("rm", "-f", id).Success(t)
}

// Exit codes: 125 skiff's own failure, 126 cannot execute, 127 not found,
// else the container's code, 128+N after signal N.
func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "--rm", img, "true").Success(t)
	e.Skiff("run", "--rm", img, "sh", "-c", "exit 42").Fail(t, 42, "")
	e.Skiff("run", img, "false").Fail(t, 1, "")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--bogus", img}, 125, "unknown flag: --bogus"},
		{[]string{"--pull", "never", "nosuchimage"}, 125, "No such image"},
		{[]string{img, "nosuchcommand"}, 127, `"nosuchcommand": executable file not found in $PATH`},
		{[]string{img, "/no/such/file"}, 127, "no such file or directory"},
		{[]string{img, "/etc/passwd"}, 126, "permission denied"},
		{[]string{img, "/etc"}, 126, "is a directory"},
		{[]string{"--entrypoint", "nosuch", img}, 127, "nosuch"},
		{[]string{"-u", "nosuchuser", img, "true"}, 125, "nosuchuser"},
	} {
		r := e.Skiff(append([]string{"run"}, tc.args...)...).Fail(t, tc.code, tc.msg)
		if n := strings.Count(r.Stderr, "\n"); n != 1 || !strings.HasPrefix(r.Stderr, "Error: ") {
			t.Errorf("run %v: stderr %q, want one Error line", tc.args, r.Stderr)
		}
	}
	// 128+N: the container's process killed by signal N
	id := e.Skiff("run", "-d", img, "sleep", "100").Success(t).Out()
	e.Skiff("kill", id).Success(t)
	if got := e.Skiff("wait", id).Success(t).Out(); got != "137" {
		t.Errorf("wait after kill = %q, want 137", got)
	}
	// the CLI's own exit code follows the container's
	cmd := e.Cmd("run", "--name", "fg", img, "sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitStatus(e, "fg", "running")
	e.Skiff("kill", "-s", "KILL", "fg").Success(t)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 137 {
		t.Errorf("run killed with SIGKILL exited %d, want 137", code)
	}
	// the failed runs left nothing
	if got := e.Skiff("ps", "-a", "--format", "{{.Command}} {{.Status}}").Lines(); len(got) != 3 {
		t.Errorf("containers after the runs: %q, want the three that ran", got)
	}
}

// ENTRYPOINT and CMD combine as in docker, in exec and shell forms.
func TestRunEntrypointCmd(t *testing.T) {
	t.Parallel()
	e := New(t)
	importImage(e, "exec-both", `ENTRYPOINT ["/bin/echo", "ep"]`, `CMD ["c1", "c2"]`, "ENV PATH=/bin")
	importImage(e, "shell-ep", `ENTRYPOINT echo ep $HOME`, `CMD ["ignored"]`)
	importImage(e, "shell-cmd", `CMD echo cmd-shell $HOME`)
	importImage(e, "exec-cmd", `CMD ["echo", "cmd-exec"]`)
	importImage(e, "none")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"exec-both"}, "ep c1 c2"},
		{[]string{"exec-both", "x", "y"}, "ep x y"},
		{[]string{"--entrypoint", "/bin/echo", "exec-both"}, ""},
		{[]string{"--entrypoint", "/bin/echo", "exec-both", "z"}, "z"},
		{[]string{"--entrypoint", "", "exec-both", "echo", "no-ep"}, "no-ep"},
		{[]string{"shell-ep"}, "ep /root"},
		{[]string{"shell-ep", "extra"}, "ep /root"},
		{[]string{"shell-cmd"}, "cmd-shell /root"},
		{[]string{"shell-cmd", "echo", "replaced"}, "replaced"},
		{[]string{"exec-cmd"}, "cmd-exec"},
		{[]string{"none", "echo", "given"}, "given"},
	} {
		r := e.Skiff(append([]string{"run", "--rm"}, tc.args...)...).Success(t)
		if got := strings.TrimRight(r.Stdout, "\n"); got != tc.want {
			t.Errorf("run %v printed %q, want %q", tc.args, got, tc.want)
		}
	}
	e.Skiff("run", "--rm", "none").Fail(t, 125, "no command")
	// inspect shows both halves and the combined command line
	e.Skiff("create", "--name", "c", "exec-both", "a").Success(t)
	if got := inspectField(e, "c", `{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Path}} {{json .Args}}`); got != `["/bin/echo","ep"] ["a"] /bin/echo ["ep","a"]` {
		t.Errorf("inspect = %s", got)
	}
	e.Skiff("create", "--name", "s", "shell-cmd").Success(t)
	if got := inspectField(e, "s", `{{json .Config.Cmd}} {{.Path}}`); got != `["/bin/sh","-c","echo cmd-shell $HOME"] /bin/sh` {
		t.Errorf("inspect shell form = %s", got)
	}
}

// Environment: image ENV, then --env-file, then -e (later wins); -e VAR
// takes the host's value; PATH defaults when the image has none; HOME
// comes from the user's passwd entry.
func TestRunEnvironment(t *testing.T) {
	t.Parallel()
	e := New(t)
	importImage(e, "envimg", "ENV A=img B=img C=img D=img")
	envFile := e.WriteFile("vars.env", "# comment\nB=file\nC=file\nFROMHOST\n")
	e.Setenv("FROMHOST", "host-value")
	e.Setenv("HOSTONLY", "host-only")
	out := e.Skiff("run", "--rm", "--env-file", envFile, "-e", "C=flag", "-e", "D=flag1", "--env", "D=flag2",
		"-e", "HOSTONLY", "-e", "NOTSET", "-e", "EMPTY=", "envimg", "env").Success(t).Stdout
	env := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(l, "=")
		env[k] = v
	}
	want := map[string]string{
		"A": "img", "B": "file", "C": "flag", "D": "flag2", "FROMHOST": "host-value", "HOSTONLY": "host-only",
		"EMPTY": "", "HOME": "/root", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	if _, ok := env["NOTSET"]; ok {
		t.Errorf("-e NOTSET without a host value was set: %q", out)
	}
	if env["HOSTNAME"] == "" {
		t.Errorf("HOSTNAME not set: %q", out)
	}
	// HOME of another user, and an explicit HOME wins
	img := e.LoadBusybox()
	if got := e.Skiff("run", "--rm", "-u", "skiffuser", img, "sh", "-c", "echo $HOME").Success(t).Out(); got != "/home/skiffuser" {
		t.Errorf("HOME of skiffuser = %q", got)
	}
	if got := e.Skiff("run", "--rm", "-e", "HOME=/elsewhere", img, "sh", "-c", "echo $HOME").Success(t).Out(); got != "/elsewhere" {
		t.Errorf("-e HOME = %q", got)
	}
	e.Skiff("run", "--rm", "--env-file", "/no/such/file", img, "true").Fail(t, 125, "/no/such/file")
}

// -u user[:group] resolves names in the image's /etc/passwd and /etc/group.
func TestRunUser(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for _, tc := range []struct{ user, want string }{
		{"", "0 0"},
		{"skiffuser", "1000 1000"},
		{"skiffuser:nogroup", "1000 65534"},
		{"1000", "1000 1000"},
		{"4242", "4242 0"},
		{"4242:4343", "4242 4343"},
		{"nobody:skiffuser", "65534 1000"},
	} {
		args := []string{"run", "--rm"}
		if tc.user != "" {
			args = append(args, "-u", tc.user)
		}
		if got := e.Skiff(append(args, img, "sh", "-c", "echo $(id -u) $(id -g)")...).Success(t).Out(); got != tc.want {
			t.Errorf("-u %q: id = %q, want %q", tc.user, got, tc.want)
		}
	}
	if got := e.Skiff("run", "--rm", "-u", "skiffuser", img, "id", "-un").Success(t).Out(); got != "skiffuser" {
		t.Errorf("id -un = %q", got)
	}
	e.Skiff("run", "--rm", "-u", "nosuch", img, "true").Fail(t, 125, "nosuch")
	e.Skiff("run", "--rm", "-u", "skiffuser:nosuchgroup", img, "true").Fail(t, 125, "nosuchgroup")
	// the image's USER is the default, -u overrides it
	importImage(e, "userimg", "USER skiffuser")
	if got := e.Skiff("run", "--rm", "userimg", "id", "-u").Success(t).Out(); got != "1000" {
		t.Errorf("image USER: id -u = %q", got)
	}
	if got := e.Skiff("run", "--rm", "-u", "0", "userimg", "id", "-u").Success(t).Out(); got != "0" {
		t.Errorf("-u 0 over image USER: id -u = %q", got)
	}
	noContainers(e)
}

// -w is created when missing; --hostname, -l, --name.
func TestRunWorkdirHostnameLabels(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	if got := e.Skiff("run", "--rm", "-w", "/new/work/dir", img, "pwd").Success(t).Out(); got != "/new/work/dir" {
		t.Errorf("-w: pwd = %q", got)
	}
	if got := e.Skiff("run", "--rm", "-u", "skiffuser", "-w", "/made/for/user", img, "sh", "-c", "pwd; touch x && echo writable || echo not-writable").Success(t).Out(); !strings.HasPrefix(got, "/made/for/user") {
		t.Errorf("-w as a user: %q", got)
	}
	e.Skiff("run", "--rm", "-w", "relative", img, "pwd").Fail(t, 125, "relative")
	importImage(e, "wdimg", "WORKDIR /srv/app")
	if got := e.Skiff("run", "--rm", "wdimg", "pwd").Success(t).Out(); got != "/srv/app" {
		t.Errorf("image WORKDIR: pwd = %q", got)
	}
	r := e.Skiff("run", "--rm", "--hostname", "myhost", img, "sh", "-c", "hostname; cat /etc/hostname; grep -c myhost /etc/hosts").Success(t)
	if got := strings.Fields(r.Stdout); len(got) != 3 || got[0] != "myhost" || got[1] != "myhost" || got[2] == "0" {
		t.Errorf("--hostname myhost: %q", r.Stdout)
	}
	// short form -h, as in docker
	if got := e.Skiff("run", "--rm", "-h", "short", img, "hostname").Success(t).Out(); got != "short" {
		t.Errorf("-h short: hostname = %q", got)
	}
	id := e.Skiff("run", "-d", "--name", "lab", "-l", "a=1", "--label", "b", "-l", "c=x=y", img, "sleep", "100").Success(t).Out()
	if got := inspectField(e, "lab", `{{json .Config.Labels}}`); got != `{"a":"1","b":"","c":"x=y"}` {
		t.Errorf("labels = %s", got)
	}
	if got := e.Skiff("ps", "-q", "--no-trunc", "--filter", "label=c=x=y").Out(); got != id {
		t.Errorf("ps --filter label=c=x=y = %q", got)
	}
	if got := inspectField(e, "lab", "{{.Name}}"); got != "/lab" {
		t.Errorf("name = %q", got)
	}
}

// --read-only makes the root file system read-only; /dev/shm stays
// writable.
func TestRunReadOnly(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	r := e.Skiff("run", "--rm", "--read-only", img, "touch", "/newfile")
	if r.Code != 1 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("touch on --read-only: exit %d, %q", r.Code, r.Stderr)
	}
	e.Skiff("run", "--rm", "--read-only", img, "touch", "/dev/shm/ok").Success(t)
	e.Skiff("run", "--rm", img, "touch", "/newfile").Success(t)
	if got := inspectField(e, e.Skiff("create", "--read-only", img).Success(t).Out(), "{{.HostConfig.ReadonlyRootfs}}"); got != "true" {
		t.Errorf("HostConfig.ReadonlyRootfs = %q", got)
	}
}

// --network none: loopback only; host: the host's interfaces.
func TestRunNetwork(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	ifaces := func(out string) []string {
		var names []string
		for _, l := range strings.Split(out, "\n")[2:] {
			if name, _, ok := strings.Cut(strings.TrimSpace(l), ":"); ok {
				names = append(names, name)
			}
		}
		return names
	}
	none := ifaces(e.Skiff("run", "--rm", "--network", "none", img, "cat", "/proc/net/dev").Success(t).Stdout)
	if len(none) != 1 || none[0] != "lo" {
		t.Errorf("--network none interfaces: %v", none)
	}
	if up := e.Skiff("run", "--rm", "--network", "none", img, "cat", "/sys/class/net/lo/operstate").Success(t).Out(); up == "down" {
		t.Errorf("lo is down in the container")
	}
	hostDev, err := os.ReadFile("/proc/net/dev")
	if err != nil {
		t.Fatal(err)
	}
	host := ifaces(e.Skiff("run", "--rm", "--net", "host", img, "cat", "/proc/net/dev").Success(t).Stdout)
	if want := ifaces(string(hostDev)); e.Rootless {
		if len(host) == 0 {
			t.Errorf("--network host: no interfaces")
		}
	} else if strings.Join(stableIfaces(host), " ") != strings.Join(stableIfaces(want), " ") {
		t.Errorf("--network host interfaces %v, want the host's %v", host, want)
	}
	hostname, _ := os.Hostname()
	if got := e.Skiff("run", "--rm", "--network", "host", img, "hostname").Success(t).Out(); got != hostname {
		t.Errorf("--network host: hostname %q, want the host's %q", got, hostname)
	}
	if got := inspectField(e, e.Skiff("create", "--network", "none", img).Success(t).Out(), "{{.HostConfig.NetworkMode}}"); got != "none" {
		t.Errorf("NetworkMode = %q", got)
	}
	e.Skiff("run", "--rm", "--network", "bogus-net", img, "true").Fail(t, 125, "bogus-net")
}

// stableIfaces drops the interfaces containers of parallel tests come and
// go with (their veths and bridges).
func stableIfaces(names []string) []string {
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, "veth") && !strings.HasPrefix(n, "skiff") {
			out = append(out, n)
		}
	}
	return out
}

// capEff is the CapEff mask a container's process reports.
func capEff(t *testing.T, e *Env, args ...string) uint64 {
	t.Helper()
	out := e.Skiff(append(append([]string{"run", "--rm"}, args...), "grep", "CapEff", "/proc/self/status")...).Success(t).Out()
	v, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(out, "CapEff:")), 16, 64)
	if err != nil {
		t.Fatalf("CapEff line %q: %v", out, err)
	}
	return v
}

// Docker's default capabilities; --cap-add, --cap-drop, --privileged.
func TestRunCapabilities(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	const dockerDefault = 0xa80425fb // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
	if got := capEff(t, e, img); got != dockerDefault {
		t.Errorf("default CapEff = %#x, want %#x", got, dockerDefault)
	}
	if got := capEff(t, e, "--cap-add", "NET_ADMIN", img); got != dockerDefault|1<<12 {
		t.Errorf("--cap-add NET_ADMIN: CapEff = %#x", got)
	}
	if got := capEff(t, e, "--cap-drop", "chown", "--cap-drop", "CAP_KILL", img); got != dockerDefault&^(1|1<<5) {
		t.Errorf("--cap-drop CHOWN,KILL: CapEff = %#x", got)
	}
	if got := capEff(t, e, "--cap-drop", "ALL", "--cap-add", "SYS_ADMIN", img); got != 1<<21 {
		t.Errorf("--cap-drop ALL --cap-add SYS_ADMIN: CapEff = %#x", got)
	}
	// --privileged: every capability skiff itself may hold (its bounding
	// set, which `skiff unshare` shares)
	bnd := e.Skiff("unshare", "grep", "CapBnd", "/proc/self/status").Success(t).Out()
	want, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(bnd, "CapBnd:")), 16, 64)
	if err != nil {
		t.Fatalf("CapBnd %q: %v", bnd, err)
	}
	if got := capEff(t, e, "--privileged", img); got != want {
		t.Errorf("--privileged: CapEff = %#x, want %#x", got, want)
	}
	if got := capEff(t, e, "-u", "skiffuser", img); got != 0 {
		t.Errorf("non-root user: CapEff = %#x, want 0", got)
	}
	// no_new_privs, except --privileged
	if out := e.Skiff("run", "--rm", img, "grep", "NoNewPrivs", "/proc/self/status").Success(t).Out(); !strings.HasSuffix(out, "1") {
		t.Errorf("default NoNewPrivs: %q", out)
	}
	if out := e.Skiff("run", "--rm", "--privileged", img, "grep", "NoNewPrivs", "/proc/self/status").Success(t).Out(); !strings.HasSuffix(out, "0") {
		t.Errorf("--privileged NoNewPrivs: %q", out)
	}
	// --privileged lifts the masks: /proc/keys readable as usual
	if out := e.Skiff("run", "--rm", "--privileged", img, "sh", "-c", "mount | grep -c ' /proc/keys ' || true").Success(t).Out(); out != "0" {
		t.Errorf("--privileged: /proc/keys still masked (%s)", out)
	}
	e.Skiff("run", "--rm", "--cap-add", "NOT_A_CAP", img, "true").Fail(t, 125, "NOT_A_CAP")
	noContainers(e)
}

// --privileged gives the container the host's devices: all of them as
// root (docker), the ones the user may open rootless (podman), bound
// from the host with their numbers; /dev/pts, /dev/shm and /dev/mqueue
// stay the container's own, and --device still places its devices.
func TestRunPrivilegedDevices(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	// the host's devices, with their numbers, as the container should see them
	type node struct {
		num   string
		other bool // others may read or write it
		only  bool // root's alone (0600 or less, root:root)
	}
	host := map[string]node{}
	skipDir := map[string]bool{"pts": true, "shm": true, "mqueue": true, "fd": true, ".udev": true, ".lxc": true, ".lxd-mounts": true}
	skipTop := map[string]bool{"console": true, "ptmx": true, "null": true, "zero": true, "full": true, "random": true, "urandom": true, "tty": true}
	filepath.WalkDir("/dev", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p != "/dev" && skipDir[d.Name()] {
			return filepath.SkipDir
		}
		if d.Type()&os.ModeDevice == 0 || (filepath.Dir(p) == "/dev" && skipTop[d.Name()]) {
			return nil
		}
		var st syscall.Stat_t
		if syscall.Stat(p, &st) != nil {
			return nil
		}
		host[p] = node{num: fmt.Sprintf("%x:%x", unix.Major(st.Rdev), unix.Minor(st.Rdev)),
			other: st.Mode&0o006 != 0, only: st.Mode&0o077 == 0 && st.Uid == 0 && st.Gid == 0}
		return nil
	})
	if _, ok := host["/dev/net/tun"]; !ok {
		t.Skip("the host has no /dev/net/tun")
	}
	list := "find /dev \\( -type c -o -type b \\) -exec stat -c '%n %t:%T' {} +"
	got := map[string]string{}
	for _, l := range e.Skiff("run", "--rm", "--privileged", "--device", "/dev/zero:/dev/net/tun", "--device", "/dev/null:/dev/mynull",
		img, "sh", "-c", list).Success(t).Lines() {
		if f := strings.Fields(l); len(f) == 2 {
			got[f[0]] = f[1]
		}
	}
	for p, n := range host {
		switch {
		case p == "/dev/net/tun":
			if got[p] != "1:5" {
				t.Errorf("--device /dev/zero:/dev/net/tun: the container's /dev/net/tun is %q, not /dev/zero's 1:5", got[p])
			}
		case !e.Rootless || n.other:
			if got[p] != n.num {
				t.Errorf("--privileged: %s is %q in the container, %s on the host", p, got[p], n.num)
			}
		case n.only:
			if _, ok := got[p]; ok {
				t.Errorf("--privileged rootless: the container has %s, which the user cannot open", p)
			}
		}
	}
	for p := range got {
		if _, ok := host[p]; !ok && !skipTop[filepath.Base(p)] && p != "/dev/mynull" {
			t.Errorf("--privileged: the container has %s, which the host has not", p)
		}
	}
	if got["/dev/mynull"] != "1:3" {
		t.Errorf("--device /dev/null:/dev/mynull with --privileged: %q", got["/dev/mynull"])
	}
	mounts := e.Skiff("run", "--rm", "--privileged", img, "cat", "/proc/mounts").Success(t).Stdout
	for _, want := range []string{`(?m)^devpts /dev/pts devpts .*ptmxmode=666`, `(?m)^\S+ /dev/shm tmpfs `, `(?m)^mqueue /dev/mqueue mqueue `} {
		if !regexp.MustCompile(want).MatchString(mounts) {
			t.Errorf("--privileged: /proc/mounts lacks %s:\n%s", want, mounts)
		}
	}
	// as root the nodes are made (mknod), as docker's runtime does, not a
	// hundred bind mounts; rootless they can only be bound
	if !e.Rootless && regexp.MustCompile(`(?m)^\S+ /dev/net/tun `).MatchString(mounts) {
		t.Errorf("--privileged as root: /dev/net/tun is a bind mount, not a node of its own:\n%s", mounts)
	}
	// without --device, the host's own /dev/net/tun, and the devices read
	e.Skiff("run", "--rm", "--privileged", img, "sh", "-c", "test -c /dev/net/tun && head -c 4 /dev/urandom >/dev/null").Success(t)
	noContainers(e)
}

// The container's environment is docker's default one (issue #3 §2).
func TestRunDefaults(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", img, "sleep", "100").Success(t).Out()
	sh := func(script string) string {
		return e.Skiff("exec", id, "sh", "-c", script).Success(t).Out()
	}
	if got := sh("hostname; cat /etc/hostname"); got != id[:12]+"\n"+id[:12] {
		t.Errorf("hostname = %q, want the short ID %s", got, id[:12])
	}
	hosts := sh("cat /etc/hosts")
	if !strings.Contains(hosts, "localhost") || !strings.Contains(hosts, id[:12]) {
		t.Errorf("/etc/hosts:\n%s", hosts)
	}
	sh("test -f /etc/resolv.conf")
	devs := strings.Fields(sh("ls /dev"))
	for _, d := range []string{"null", "zero", "full", "random", "urandom", "tty", "pts", "ptmx", "shm", "mqueue", "fd", "stdin", "stdout", "stderr"} {
		if !contains(devs, d) {
			t.Errorf("/dev lacks %s: %v", d, devs)
		}
	}
	for _, d := range devs {
		if strings.HasPrefix(d, "sd") || strings.HasPrefix(d, "loop") || d == "mem" || d == "kmsg" {
			t.Errorf("/dev has the host's %s", d)
		}
	}
	mounts := sh("cat /proc/mounts")
	for _, want := range []string{
		`(?m)^proc /proc proc rw`, `(?m)^\S+ /dev tmpfs `, `(?m)^devpts /dev/pts devpts .*ptmxmode=666`,
		`(?m)^\S+ /dev/shm tmpfs .*nosuid,nodev,noexec`, `(?m)^mqueue /dev/mqueue mqueue `, `(?m)^sysfs /sys sysfs ro,`,
	} {
		if !regexp.MustCompile(want).MatchString(mounts) {
			t.Errorf("/proc/mounts lacks %s:\n%s", want, mounts)
		}
	}
	// masked paths read as empty; read-only paths refuse writes
	for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/scsi", "/proc/acpi", "/sys/firmware"} {
		st, err := os.Stat(p)
		if err != nil {
			continue // not on this kernel
		}
		check := "wc -c < " + p
		if st.IsDir() {
			check = "ls -A " + p + " | wc -l"
		}
		if got := sh(check); got != "0" {
			t.Errorf("masked %s is not empty in the container: %s", p, got)
		}
	}
	for _, p := range []string{"/proc/sysrq-trigger", "/proc/sys/kernel/hostname", "/sys/kernel/profiling"} {
		if r := e.Skiff("exec", id, "sh", "-c", "echo x > "+p); r.Code == 0 {
			t.Errorf("writing %s succeeded", p)
		}
	}
	if out := sh("touch /sys/x 2>&1 || true"); !strings.Contains(out, "Read-only") {
		t.Errorf("touch /sys/x: %q", out)
	}
	// PID 1 is the command; the container's PID namespace is its own
	if got := sh("cat /proc/1/cmdline | tr '\\0' ' '"); got != "sleep 100" {
		t.Errorf("PID 1 = %q", got)
	}
	// rootless: container root is the invoking user on the host
	pid := pidOf(e, id)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	uidLine := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindStringSubmatch(string(status))
	if uidLine == nil || uidLine[1] != strconv.Itoa(e.UID) {
		t.Errorf("container root runs as host uid %v, want %d", uidLine, e.UID)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// --shm-size, --group-add, --ulimit, --sysctl, --security-opt and
// --cidfile do what they say, show in inspect, and refuse bad values
// with one line and nothing created.
func TestRunHostOptions(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	cid := filepath.Join(e.Dir, "cid")
	out := e.Skiff("run", "--name", "h", "--cidfile", cid, "--shm-size", "128m", "--group-add", "123", "--group-add", "nogroup",
		"--ulimit", "nofile=512:1024", "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=123456",
		"--security-opt", "no-new-privileges=false", img, "sh", "-c",
		"df -k /dev/shm | tail -1; id -G; ulimit -n; ulimit -Hn; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax; grep NoNewPrivs /proc/self/status",
	).Success(t).Out()
	lines := strings.Split(out, "\n")
	if len(lines) != 7 || strings.Fields(lines[0])[1] != "131072" || lines[1] != "0 123 65534" || lines[2] != "512" || lines[3] != "1024" ||
		lines[4] != "1" || lines[5] != "123456" || strings.Fields(lines[6])[1] != "0" {
		t.Errorf("inside the container:\n%s", out)
	}
	id := inspectField(e, "h", "{{.Id}}")
	if b, err := os.ReadFile(cid); err != nil || string(b) != id {
		t.Errorf("--cidfile holds %q (%v), want %s", b, err, id)
	}
	want := `[{"Name":"nofile","Hard":1024,"Soft":512}] 134217728 [123 nogroup] {"kernel.shmmax":"123456","net.ipv4.ip_forward":"1"} [no-new-privileges=false] ` + cid
	if got := inspectField(e, "h", `{{json .HostConfig.Ulimits}} {{.HostConfig.ShmSize}} {{.HostConfig.GroupAdd}} {{json .HostConfig.Sysctls}} {{.HostConfig.SecurityOpt}} {{.HostConfig.ContainerIDFile}}`); got != want {
		t.Errorf("inspect: %s\nwant     %s", got, want)
	}
	// --device binds a host device in; --label-file, then --label
	e.WriteFile("labels", "# labels\na=1\n\nb=2\n")
	out = e.Skiff("run", "--name", "dl", "--device", "/dev/null:/dev/mynull", "--label-file", filepath.Join(e.Dir, "labels"), "-l", "b=3",
		img, "sh", "-c", "test -c /dev/mynull && echo x > /dev/mynull && echo ok").Success(t).Out()
	if out != "ok" {
		t.Errorf("--device: %q", out)
	}
	if got := inspectField(e, "dl", "{{json .Config.Labels}} {{json .HostConfig.Devices}}"); got != `{"a":"1","b":"3"} [{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rwm"}]` {
		t.Errorf("inspect: %s", got)
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--device", "/dev/nope", img, "true"), `custom device "/dev/nope"`)
	oneErrorLine(t, e.Skiff("run", "--rm", "--device", "/dev/null:r", img, "true"), "cannot narrow")
	// --oom-score-adj (raising needs no privilege), --disable-content-trust
	if got := e.Skiff("run", "--rm", "--oom-score-adj", "500", "--disable-content-trust", img, "cat", "/proc/self/oom_score_adj").Success(t).Out(); got != "500" {
		t.Errorf("--oom-score-adj 500: %q", got)
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--oom-score-adj", "5000", img, "true"), "invalid --oom-score-adj")
	oneErrorLine(t, e.Skiff("run", "--rm", "--disable-content-trust=false", img, "true"), "no content trust")
	// exec processes get the groups and limits too
	bg := e.Skiff("run", "-d", "--group-add", "123", "--ulimit", "nofile=300", img, "sleep", "100").Success(t).Out()
	if got := e.Skiff("exec", bg, "sh", "-c", "id -G; ulimit -n").Success(t).Out(); got != "0 123\n300" {
		t.Errorf("exec: %q", got)
	}
	e.Skiff("rm", "-f", bg).Success(t)
	// the defaults: no new privileges, docker's masked paths
	if got := e.Skiff("run", "--rm", img, "grep", "NoNewPrivs", "/proc/self/status").Success(t).Out(); !strings.HasSuffix(got, "1") {
		t.Errorf("default NoNewPrivs: %q", got)
	}
	masked := "grep -c ' /proc/' /proc/self/mountinfo || true"
	if e.Skiff("run", "--rm", "--security-opt", "systempaths=unconfined", img, "sh", "-c", masked).Success(t).Out() != "0" ||
		e.Skiff("run", "--rm", img, "sh", "-c", masked).Success(t).Out() == "0" {
		t.Error("systempaths=unconfined does not unmask /proc")
	}
	before := e.Skiff("ps", "-aq").Out()
	oneErrorLine(t, e.Skiff("run", "--cidfile", cid, img, "true"), "container ID file found")
	oneErrorLine(t, e.Skiff("run", "--rm", "--sysctl", "kernel.hostname=x", img, "true"), `sysctl "kernel.hostname" is not allowed`)
	oneErrorLine(t, e.Skiff("run", "--rm", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", img, "true"), "not allowed in host network namespace")
	oneErrorLine(t, e.Skiff("run", "--rm", "--ulimit", "bogus=1", img, "true"), "invalid --ulimit")
	oneErrorLine(t, e.Skiff("run", "--rm", "--shm-size", "lots", img, "true"), "invalid --shm-size")
	oneErrorLine(t, e.Skiff("run", "--rm", "--security-opt", "seccomp=/nonexistent/profile.json", img, "true"), "opening seccomp profile (/nonexistent/profile.json) failed")
	oneErrorLine(t, e.Skiff("run", "--rm", "--group-add", "nosuchgroup", img, "true"), "unable to find group nosuchgroup")
	cid2 := filepath.Join(e.Dir, "cid2")
	oneErrorLine(t, e.Skiff("run", "--rm", "--cidfile", cid2, "--pull", "never", "nosuchimage", "true"), "nosuchimage")
	if _, err := os.Stat(cid2); err == nil {
		t.Error("a failed create left its --cidfile")
	}
	if after := e.Skiff("ps", "-aq").Out(); after != before {
		t.Errorf("failed runs left containers: %q, before %q", after, before)
	}
}

// --ipc host|none|shareable|container:NAME and --uts host.
func TestRunNamespaceModes(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	host, _ := os.Hostname()
	if got := e.Skiff("run", "--rm", "--uts", "host", img, "sh", "-c", "hostname; cat /etc/hostname").Success(t).Out(); got != host+"\n"+host {
		t.Errorf("--uts host: %q, want the host's name %s", got, host)
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--uts", "host", "-h", "x", img, "true"), "conflicting options: hostname and the UTS mode")
	oneErrorLine(t, e.Skiff("run", "--rm", "--uts", "private", img, "true"), "invalid UTS mode")
	shm := "grep -c ' /dev/shm ' /proc/self/mountinfo || true"
	if got := e.Skiff("run", "--rm", "--ipc", "none", img, "sh", "-c", shm).Success(t).Out(); got != "0" {
		t.Errorf("--ipc none: /dev/shm mounted %s times", got)
	}
	ipcNS := "readlink /proc/self/ns/ipc"
	mine := e.Skiff("run", "--rm", img, "readlink", "/proc/self/ns/ipc").Success(t).Out()
	hostNS, _ := os.Readlink("/proc/self/ns/ipc")
	if got := e.Skiff("run", "--rm", "--ipc", "host", img, "sh", "-c", ipcNS).Success(t).Out(); got == mine || (!e.Rootless && got != hostNS) {
		t.Errorf("--ipc host: namespace %s (private %s, host %s)", got, mine, hostNS)
	}
	donor := e.Skiff("run", "-d", "--ipc", "shareable", "--shm-size", "32m", img, "sh", "-c", "echo hi > /dev/shm/x; sleep 100").Success(t).Out()
	waitFor(t, func() bool { return e.Skiff("exec", donor, "test", "-f", "/dev/shm/x").Code == 0 })
	out := e.Skiff("run", "--rm", "--ipc", "container:"+donor, img, "sh", "-c", "cat /dev/shm/x; "+ipcNS).Success(t).Out()
	if want := "hi\n" + e.Skiff("exec", donor, "readlink", "/proc/self/ns/ipc").Success(t).Out(); out != want {
		t.Errorf("--ipc container: %q, want %q", out, want)
	}
	plain := e.Skiff("run", "-d", img, "sleep", "100").Success(t).Out()
	oneErrorLine(t, e.Skiff("run", "--rm", "--ipc", "container:"+plain, img, "true"), "non-shareable IPC")
	oneErrorLine(t, e.Skiff("run", "--rm", "--ipc", "container:nosuch", img, "true"), "No such container")
	oneErrorLine(t, e.Skiff("run", "--rm", "--ipc", "bogus", img, "true"), "invalid IPC mode")
	if got := inspectField(e, donor, "{{.HostConfig.IpcMode}} {{.HostConfig.ShmSize}}"); got != "shareable 33554432" {
		t.Errorf("inspect: %s", got)
	}
	e.Skiff("rm", "-f", donor, plain).Success(t)
	// --pid host: the host's processes are visible; what the container
	// leaves behind (a daemon) ends with it
	if n := len(e.Skiff("run", "--rm", "--pid", "host", img, "ps").Success(t).Lines()); n < 10 {
		t.Errorf("--pid host: ps lists %d lines", n)
	}
	ph := e.Skiff("run", "-d", "--pid", "host", img, "sh", "-c", "(sleep 317 &); until [ -e /go ]; do sleep 0.1; done").Success(t).Out()
	waitFor(t, func() bool { return strings.Contains(e.Skiff("top", ph).Out(), "sleep 317") })
	e.Skiff("exec", ph, "touch", "/go").Success(t) // now the container exits
	waitUntil(t, 20*time.Second, "the container to exit", func() bool { return inspectField(e, ph, "{{.State.Status}}") == "exited" })
	waitUntil(t, 10*time.Second, "the left-behind daemon to end", func() bool {
		out, _ := exec.Command("pgrep", "-x", "-f", "sleep 317").Output()
		return len(strings.TrimSpace(string(out))) == 0
	})
	if got := inspectField(e, ph, "{{.HostConfig.PidMode}}"); got != "host" {
		t.Errorf("PidMode = %q", got)
	}
	// --cgroupns host; --annotation
	hostCg, _ := os.Readlink("/proc/self/ns/cgroup")
	if got := e.Skiff("run", "--rm", "--cgroupns", "host", img, "readlink", "/proc/self/ns/cgroup").Success(t).Out(); got != hostCg {
		t.Errorf("--cgroupns host: %s, want %s", got, hostCg)
	}
	if got := e.Skiff("run", "--rm", img, "readlink", "/proc/self/ns/cgroup").Success(t).Out(); got == hostCg {
		t.Error("the default cgroup namespace is the host's")
	}
	an := e.Skiff("create", "--annotation", "a=b", img, "true").Success(t).Out()
	if got := inspectField(e, an, "{{json .HostConfig.Annotations}} {{.HostConfig.CgroupnsMode}}"); got != `{"a":"b"} private` {
		t.Errorf("inspect: %s", got)
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--cgroupns", "x", img, "true"), "invalid --cgroupns")
	// --pid container:NAME: the other container's processes, from PID 1
	pd := e.Skiff("run", "-d", img, "sleep", "100").Success(t).Out()
	if got := e.Skiff("run", "--rm", "--pid", "container:"+pd, img, "ps", "-o", "pid,args").Success(t).Out(); !strings.Contains(got, "1 sleep 100") {
		t.Errorf("--pid container: ps shows\n%s", got)
	}
	oneErrorLine(t, e.Skiff("run", "--rm", "--pid", "container:nosuch", img, "true"), "No such container")
	oneErrorLine(t, e.Skiff("run", "--rm", "--pid", "bogus", img, "true"), "invalid PID mode")
	e.Skiff("rm", "-f", pd).Success(t)
}
