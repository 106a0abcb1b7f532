package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runOut runs a throw-away container and returns its trimmed output.
func runOut(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	return e.Skiff(append([]string{"run", "--rm"}, args...)...).Success(t).Out()
}

func TestRunBindMounts(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	src := e.Mkdir("src")
	e.WriteFile("src/hello", "from the host\n")

	if got := runOut(t, e, "-v", src+":/src", img, "cat", "/src/hello"); got != "from the host" {
		t.Errorf("bind read = %q", got)
	}
	runOut(t, e, "-v", src+":/src:rw,z", img, "sh", "-c", "echo from the container > /src/back")
	if b, err := os.ReadFile(filepath.Join(src, "back")); err != nil || string(b) != "from the container\n" {
		t.Errorf("file written through the bind: %q, %v", b, err)
	}
	r := e.Skiff("run", "--rm", "-v", src+":/src:ro", img, "sh", "-c", "echo x > /src/nope")
	if r.Code == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("write to a :ro bind: exit %d, %q", r.Code, r.Stderr)
	}
	// a missing host directory is created, as docker does for -v
	missing := filepath.Join(e.Dir, "made", "by", "run")
	runOut(t, e, "-v", missing+":/m", img, "true")
	if st, err := os.Stat(missing); err != nil || !st.IsDir() {
		t.Errorf("-v with a missing host directory: %v", err)
	}
	// "./" is taken from the current directory (the test's), as docker's CLI does
	if got := runOut(t, e, "-v", "./src:/src:ro", img, "cat", "/src/hello"); got != "from the host" {
		t.Errorf("./ bind = %q", got)
	}
	// a single file
	if got := runOut(t, e, "-v", filepath.Join(src, "hello")+":/etc/motd:ro", img, "cat", "/etc/motd"); got != "from the host" {
		t.Errorf("file bind = %q", got)
	}
	// --mount binds: read-only, and a propagation mode
	r = e.Skiff("run", "--rm", "--mount", "type=bind,source="+src+",target=/m,readonly", img, "sh", "-c", "cat /m/hello; touch /m/x")
	if r.Code == 0 || !strings.Contains(r.Stdout, "from the host") || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("--mount readonly bind: exit %d, %q %q", r.Code, r.Stdout, r.Stderr)
	}
	if got := runOut(t, e, "--mount", "type=bind,src="+src+",dst=/p,bind-propagation=rshared", img, "sh", "-c", "grep ' /p ' /proc/self/mountinfo"); !strings.Contains(got, "shared:") {
		t.Errorf("bind-propagation=rshared: %s", got)
	}
	if got := runOut(t, e, "-v", src+":/p", img, "sh", "-c", "grep ' /p ' /proc/self/mountinfo"); strings.Contains(got, "shared:") {
		t.Errorf("default propagation is not rprivate: %s", got)
	}
	// nested binds are mounted parent first, whatever their order
	inner := e.Mkdir("inner")
	e.WriteFile("inner/i", "inner\n")
	if got := runOut(t, e, "-v", inner+":/src/inner", "-v", src+":/src", img, "cat", "/src/inner/i", "/src/hello"); got != "inner\nfrom the host" {
		t.Errorf("nested binds = %q", got)
	}
}

func TestRunMountBadInput(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-v", "rel/dir:/x"}, `"rel/dir" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`},
		{[]string{"-v", "../up:/x"}, "If you intended to pass a host directory, use absolute path"},
		{[]string{"-v", "/h:rel"}, "invalid volume specification: '/h:rel'"},
		{[]string{"-v", "/h:/x:bogus"}, "invalid mode: bogus"},
		{[]string{"-v", "/h:/"}, "destination can't be '/'"},
		{[]string{"-v", "/a:/x", "-v", "/b:/x"}, "Duplicate mount point: /x"},
		{[]string{"-v", "/a:/x", "--mount", "type=tmpfs,target=/x"}, "Duplicate mount point: /x"},
		{[]string{"-v", "/a:/x", "--tmpfs", "/x"}, "Duplicate mount point: /x"},
		{[]string{"--mount", "type=bind,source=/no/such/dir,target=/x"}, "bind source path does not exist: /no/such/dir"},
		{[]string{"--mount", "type=bind,target=/x"}, "field Source must not be empty"},
		{[]string{"--mount", "source=/h"}, "target is required"},
		{[]string{"--mount", "type=volume,target=/x,readonly"}, "must not set ReadOnly mode when using anonymous volumes"},
		{[]string{"--mount", "type=tmpfs,target=/x,tmpfs-size=huge"}, "invalid value for tmpfs-size: huge"},
		{[]string{"--tmpfs", "rel"}, "mount path must be absolute"},
		{[]string{"--tmpfs", "/t:colour=blue"}, `unknown tmpfs option "colour=blue"`},
		{[]string{"--volumes-from", "nosuch"}, "No such container: nosuch"},
		{[]string{"--volumes-from", "x:rshared"}, "invalid mode: rshared"},
		{[]string{"--volume-driver", "nfs"}, `volume driver "nfs" is not supported`},
		{[]string{"--userns", "auto"}, "--userns=auto is not supported"},
	} {
		r := e.Skiff(append(append([]string{"run", "--rm"}, tc.args...), img, "true")...)
		oneErrorLine(t, r, tc.want)
	}
	if got := e.Skiff("volume", "ls", "-q").Success(t).Out(); got != "" {
		t.Errorf("failed runs left volumes: %q", got)
	}
	if entries, _ := os.ReadDir(filepath.Join(e.Root, "skiff", "containers")); len(entries) != 0 {
		t.Errorf("failed runs left %d containers", len(entries))
	}
}

func TestRunNamedAndAnonymousVolumes(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	// a named volume is created on first use and keeps its content
	runOut(t, e, "-v", "data:/data", img, "sh", "-c", "echo one > /data/f")
	if got := runOut(t, e, "-v", "data:/other:ro", img, "cat", "/other/f"); got != "one" {
		t.Errorf("named volume content = %q", got)
	}
	if got := inspectVolume(t, e, "data").Labels; len(got) != 0 {
		t.Errorf("named volume labels = %v", got)
	}
	// an anonymous volume per container: kept by rm, removed by rm -v
	a := e.Skiff("create", "-v", "/scratch", img, "true").Success(t).Out()
	b := e.Skiff("create", "-v", "/scratch", "-v", "data:/data", img, "true").Success(t).Out()
	anon := e.Skiff("volume", "ls", "-q", "-f", "label=com.docker.volume.anonymous").Success(t).Lines()
	if len(anon) != 2 {
		t.Fatalf("anonymous volumes = %q", anon)
	}
	e.Skiff("rm", a).Success(t)
	e.Skiff("rm", "-v", b).Success(t)
	left := e.Skiff("volume", "ls", "-q").Success(t).Lines()
	if len(left) != 2 || !strings.Contains(strings.Join(left, " "), "data") {
		t.Errorf("after rm and rm -v: %q (want data and the anonymous volume of rm without -v)", left)
	}
	// --mount type=volume with labels on a new volume
	runOut(t, e, "--mount", "type=volume,source=labelled,target=/l,volume-label=owner=me", img, "true")
	if got := inspectVolume(t, e, "labelled").Labels["owner"]; got != "me" {
		t.Errorf("volume-label = %q", got)
	}
	// volume-nocopy and nocopy are accepted
	runOut(t, e, "--mount", "type=volume,source=nc,target=/etc,volume-nocopy", img, "true")
	if got := runOut(t, e, "-v", "nc:/x", img, "ls", "/x"); got != "" {
		t.Errorf("nocopy volume got content: %q", got)
	}
}

func TestRunTmpfs(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	got := runOut(t, e, "--tmpfs", "/t:size=2m,mode=1770", img, "sh", "-c", "stat -c %a /t; df -k /t | tail -1; grep ' /t ' /proc/mounts")
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || lines[0] != "1770" || !strings.Contains(lines[1], " 2048 ") || !strings.Contains(lines[2], "noexec") {
		t.Errorf("--tmpfs /t:size=2m,mode=1770:\n%s", got)
	}
	got = runOut(t, e, "--mount", "type=tmpfs,target=/m,tmpfs-size=1m,tmpfs-mode=700", img, "sh", "-c", "stat -c %a /m; df -k /m | tail -1")
	if lines := strings.Split(got, "\n"); len(lines) != 2 || lines[0] != "700" || !strings.Contains(lines[1], " 1024 ") {
		t.Errorf("--mount type=tmpfs:\n%s", got)
	}
	// exec overrides docker's noexec default
	if got := runOut(t, e, "--tmpfs", "/x:exec", img, "sh", "-c", "cp /bin/busybox /x/busybox && /x/busybox echo ran"); got != "ran" {
		t.Errorf("--tmpfs exec: %q", got)
	}
}

func TestRunVolumesFrom(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	host := e.Mkdir("shared")
	e.Skiff("create", "--name", "store", "-v", "data:/data", "-v", host+":/host", "-v", "/anon", img, "true").Success(t)
	runOut(t, e, "--volumes-from", "store", img, "sh", "-c", "echo d > /data/f; echo h > /host/f; echo a > /anon/f")
	if got := runOut(t, e, "--volumes-from", "store:ro", img, "sh", "-c", "cat /data/f /host/f /anon/f; touch /data/x 2>/dev/null || echo read-only"); got != "d\nh\na\nread-only" {
		t.Errorf("--volumes-from store:ro = %q", got)
	}
	// an explicit -v wins over a volume from another container
	if got := runOut(t, e, "--volumes-from", "store", "-v", "other:/data", img, "ls", "/data"); got != "" {
		t.Errorf("-v over --volumes-from: /data holds %q", got)
	}
	// the anonymous volume of store is in use by store: rm -v of a user keeps it
	user := e.Skiff("create", "--volumes-from", "store", img, "true").Success(t).Out()
	e.Skiff("rm", "-v", "store").Success(t)
	if got := runOut(t, e, "--volumes-from", user, img, "cat", "/anon/f"); got != "a" {
		t.Errorf("anonymous volume after its creator's rm -v: %q", got)
	}
}

func TestRunReadOnlyRootWithVolumes(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	got := runOut(t, e, "--read-only", "-v", "data:/data", "--tmpfs", "/run", "--mount", "type=tmpfs,target=/tmp", img, "sh", "-c",
		"touch /root-file 2>/dev/null || echo root read-only; touch /data/a /run/b /tmp/c && echo volumes writable")
	if got != "root read-only\nvolumes writable" {
		t.Errorf("--read-only with volumes: %q", got)
	}
}

func TestVolumeTmpfsAndBindTypes(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=3m", "mem").Success(t)
	if got := runOut(t, e, "-v", "mem:/mem", img, "sh", "-c", "df -k /mem | tail -1; echo x > /mem/f"); !strings.Contains(got, " 3072 ") {
		t.Errorf("tmpfs volume: %s", got)
	}
	// shared while containers use it, empty once none does (docker's local driver)
	holder := e.Skiff("run", "-d", "-v", "mem:/mem", img, "sh", "-c", "echo held > /mem/g; sleep 300").Success(t).Out()
	waitFor(t, func() bool { return runOut(t, e, "-v", "mem:/mem", img, "cat", "/mem/g") == "held" })
	e.Skiff("rm", "-f", holder).Success(t)
	if got := runOut(t, e, "-v", "mem:/mem", img, "ls", "/mem"); got != "" {
		t.Errorf("tmpfs volume after its last user: %q", got)
	}

	dev := e.Mkdir("device")
	e.Skiff("volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", "device="+dev, "bound").Success(t)
	runOut(t, e, "-v", "bound:/b", img, "sh", "-c", "echo through > /b/f")
	if b, err := os.ReadFile(filepath.Join(dev, "f")); err != nil || string(b) != "through\n" {
		t.Errorf("bind volume device file: %q %v", b, err)
	}
	e.Skiff("volume", "rm", "bound", "mem").Success(t)
	if _, err := os.Stat(filepath.Join(dev, "f")); err != nil {
		t.Errorf("removing a bind volume touched its device: %v", err)
	}
}

// Rootless: container root is the invoking user on the host, both ways.
func TestRootlessBindOwnership(t *testing.T) {
	Require(t, "rootless")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	src := e.Mkdir("src")
	e.WriteFile("src/mine", "x")
	got := runOut(t, e, "-v", src+":/src", img, "sh", "-c", "stat -c %u:%g /src/mine; touch /src/theirs; mkdir /src/dir")
	if got != "0:0" {
		t.Errorf("the user's file seen in the container: %s", got)
	}
	for _, n := range []string{"theirs", "dir"} {
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(src, n), &st); err != nil || int(st.Uid) != e.UID || int(st.Gid) != e.GID {
			t.Errorf("%s written by container root: owner %d:%d (%v), want %d:%d", n, st.Uid, st.Gid, err, e.UID, e.GID)
		}
	}
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("condition not met within 20s")
}
