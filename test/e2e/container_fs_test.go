package e2e

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "--name", "changer", "-v", "data:/data", img, "sh", "-c",
		"echo x > /etc/new; rm /bin/vi; mkdir -p /made/deep; echo y > /made/deep/f; echo z > /data/in-volume").Success(t)
	got := e.Skiff("diff", "changer").Success(t).Lines()
	// the volume's mount point is a change of the container, its content is not
	want := []string{"C /bin", "D /bin/vi", "A /data", "C /etc", "A /etc/new", "A /made", "A /made/deep", "A /made/deep/f"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range got {
		if strings.Contains(l, "hosts") || strings.Contains(l, "resolv.conf") || strings.Contains(l, "hostname") || strings.Contains(l, "in-volume") {
			t.Errorf("diff shows %q", l)
		}
	}
	clean := e.Skiff("create", img, "true").Success(t).Out()
	if got := e.Skiff("diff", clean).Success(t).Out(); got != "" {
		t.Errorf("diff of a new container: %q", got)
	}
	oneErrorLine(t, e.Skiff("diff", "nosuch"), "No such container: nosuch")
}

// tarEntries lists a tar archive: name -> "type mode uid:gid size link".
func tarEntries(t *testing.T, r io.Reader) map[string]*tar.Header {
	t.Helper()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading tar: %v", err)
		}
		out[strings.TrimPrefix(h.Name, "./")] = h
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "--name", "src", "-v", "data:/data", img, "sh", "-c",
		"echo hi > /etc/greeting; chmod 640 /etc/greeting; chown 1000:1001 /etc/greeting; echo v > /data/f").Success(t)
	r := e.Skiff("export", "src").Success(t)
	entries := tarEntries(t, strings.NewReader(r.Stdout))
	h := entries["etc/greeting"]
	if h == nil || h.Mode&0o777 != 0o640 || h.Uid != 1000 || h.Gid != 1001 || h.Size != 3 {
		t.Fatalf("etc/greeting in export: %+v", h)
	}
	if entries["bin/busybox"] == nil {
		t.Errorf("export lacks bin/busybox")
	}
	if entries["data/f"] != nil {
		t.Errorf("export includes the volume's content")
	}
	out := filepath.Join(e.Dir, "out.tar")
	e.Skiff("export", "-o", out, "src").Success(t)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(tarEntries(t, f)) != len(entries) {
		t.Errorf("export -o differs from export to stdout")
	}
	oneErrorLine(t, e.Skiff("export", "-o", filepath.Join(e.Dir, "no", "dir", "x.tar"), "src"), "no such file or directory")
	if _, err := os.Stat(filepath.Join(e.Dir, "no")); err == nil {
		t.Errorf("failed export created something")
	}
	oneErrorLine(t, e.Skiff("export", "nosuch"), "No such container: nosuch")
}

// export | import keeps files, modes, owners, symlinks and hard links.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	script := "mkdir -p /rt/dir && echo data > /rt/file && chown 123:456 /rt/file && chmod 4751 /rt/file && " +
		"ln -s file /rt/link && ln /rt/file /rt/hard && chmod 700 /rt/dir && chown 7:8 /rt/dir && " +
		"mkfifo /rt/fifo && touch -d '2020-01-02 03:04:05' /rt/dir"
	e.Skiff("run", "--name", "src", img, "sh", "-c", script).Success(t)
	tarball := filepath.Join(e.Dir, "fs.tar")
	e.Skiff("export", "-o", tarball, "src").Success(t)
	e.Skiff("import", "-c", `CMD ["/bin/sh"]`, tarball, "roundtrip:1").Success(t)
	stat := "stat -c '%n %a %u:%g %h %F' /rt/file /rt/hard /rt/dir /rt/fifo; readlink /rt/link; cat /rt/hard; stat -c %y /rt/dir"
	inImported := runOut(t, e, "roundtrip:1", "sh", "-c", stat)
	expect := []string{
		"/rt/file 4751 123:456 2 regular file",
		"/rt/hard 4751 123:456 2 regular file",
		"/rt/dir 700 7:8 2 directory",
		"/rt/fifo 644 0:0 1 fifo",
		"file",
		"data",
	}
	lines := strings.Split(inImported, "\n")
	if len(lines) < len(expect) {
		t.Fatalf("imported filesystem:\n%s", inImported)
	}
	for i, w := range expect {
		if lines[i] != w && !(strings.HasPrefix(w, "/rt/fifo") && strings.HasPrefix(lines[i], "/rt/fifo") && strings.HasSuffix(lines[i], "fifo")) {
			t.Errorf("imported: %q, want %q", lines[i], w)
		}
	}
	if !strings.HasPrefix(lines[len(lines)-1], "2020-01-02 03:04:05") {
		t.Errorf("directory mtime after round trip: %q", lines[len(lines)-1])
	}
}

func TestCommit(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "--name", "base", "-e", "FROM_RUN=1", "-w", "/srv", "-v", "data:/data", img, "sh", "-c",
		"echo committed > /srv/f; echo not-in-image > /data/v; rm /bin/vi").Success(t)
	id := e.Skiff("commit", "-a", "Ann Author <ann@example.com>", "-m", "my message",
		"-c", "ENV CHANGED=yes", "-c", `CMD ["cat", "/srv/f"]`, "-c", "EXPOSE 8080", "-c", "LABEL stage=two",
		"base", "committed:v1").Success(t).Out()
	if !strings.HasPrefix(id, "sha256:") || len(id) != 71 {
		t.Errorf("commit printed %q", id)
	}
	if got := runOut(t, e, "committed:v1"); got != "committed" {
		t.Errorf("run of the committed image: %q", got)
	}
	f := e.Skiff("image", "inspect", "-f",
		"{{.Author}}|{{.Comment}}|{{json .Config.Env}}|{{.Config.WorkingDir}}|{{json .Config.ExposedPorts}}|{{.Config.Labels.stage}}|{{len .RootFS.Layers}}", "committed:v1").Success(t).Out()
	for _, w := range []string{"Ann Author <ann@example.com>|my message|", `"FROM_RUN=1"`, `"CHANGED=yes"`, "|/srv|", `"8080/tcp"`, "|two|2"} {
		if !strings.Contains(f, w) {
			t.Errorf("committed image lacks %q: %s", w, f)
		}
	}
	if strings.Contains(f, "HOSTNAME=") {
		t.Errorf("committed image carries the container's HOSTNAME: %s", f)
	}
	if got := runOut(t, e, "committed:v1", "sh", "-c", "ls /data; test -e /bin/vi || echo vi gone"); got != "vi gone" {
		t.Errorf("committed filesystem: %q", got)
	}
	// skiff's own mount points stay out of the image
	fresh := e.Skiff("create", "committed:v1").Success(t).Out()
	for name := range tarEntries(t, strings.NewReader(e.Skiff("export", fresh).Success(t).Stdout)) {
		if name == "etc/hosts" || name == "etc/resolv.conf" || name == "etc/hostname" {
			t.Errorf("committed image holds %s", name)
		}
	}
	if h := e.Skiff("history", "--format", "{{.Comment}}", "committed:v1").Success(t).Lines(); len(h) == 0 || h[0] != "my message" {
		t.Errorf("history: %q", h)
	}
	// untagged, and the committed image can be committed again
	untagged := e.Skiff("commit", "base").Success(t).Out()
	if !strings.HasPrefix(untagged, "sha256:") {
		t.Errorf("untagged commit printed %q", untagged)
	}
	c2 := e.Skiff("create", "committed:v1").Success(t).Out()
	e.Skiff("commit", c2, "committed:v2").Success(t)
	oneErrorLine(t, e.Skiff("commit", "-c", "FROM scratch", "base", "bad:1"), "FROM is not allowed")
	oneErrorLine(t, e.Skiff("commit", "nosuch"), "No such container: nosuch")
	oneErrorLine(t, e.Skiff("commit", "base", "Not_A_Valid:Ref"), "")
}

// pause freezes where skiff has a freezer (root, or rootless with a
// delegated cgroup v2 subtree) and says why not where it has none.
func TestPauseUnpause(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	ctr := e.Skiff("run", "-d", "--name", "ticker", img, "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/tick; usleep 20000; done").Success(t).Out()
	if !canLimit() {
		r := e.Skiff("pause", "ticker")
		if r.Code != 1 || !strings.Contains(r.Stderr, "cannot pause container ticker: skiff needs a cgroup freezer") || len(strings.Split(strings.TrimSpace(r.Stderr), "\n")) != 1 {
			t.Fatalf("rootless pause: exit %d, %q", r.Code, r.Stderr)
		}
		// commit's default --pause goes on without a freezer
		e.Skiff("commit", "ticker").Success(t)
		oneErrorLine(t, e.Skiff("commit", "--pause=true", "ticker"), "cannot pause")
		return
	}
	waitFor(t, func() bool { return e.Skiff("cp", "ticker:/tmp/tick", "-").Code == 0 })
	// an exec'd process freezes with the container
	e.Skiff("exec", "-d", "ticker", "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/tock; usleep 20000; done").Success(t)
	waitFor(t, func() bool { return e.Skiff("cp", "ticker:/tmp/tock", "-").Code == 0 })
	if got := e.Skiff("pause", "ticker").Success(t).Out(); got != "ticker" {
		t.Errorf("pause printed %q", got)
	}
	status := func() string {
		b, _ := os.ReadFile(filepath.Join(e.Root, "skiff", "containers", ctr, "state.json"))
		return string(b)
	}
	if !strings.Contains(status(), `"Status":"paused"`) {
		t.Errorf("state after pause: %s", status())
	}
	tick := func() string { return e.Skiff("cp", "ticker:/tmp/tick", "-").Success(t).Stdout }
	tock := func() string { return e.Skiff("cp", "ticker:/tmp/tock", "-").Success(t).Stdout }
	a, x := tick(), tock()
	time.Sleep(300 * time.Millisecond)
	if b := tick(); a != b {
		t.Errorf("a paused container went on running")
	}
	if y := tock(); x != y {
		t.Errorf("an exec'd process of a paused container went on running")
	}
	e.Skiff("pause", "ticker").Fail(t, 1, "is already paused")
	e.Skiff("exec", "ticker", "true").Fail(t, 1, "is paused") // docker's exec exits 1 for the daemon's refusals
	e.Skiff("commit", "ticker", "frozen:1").Success(t)        // commit of a paused container
	e.Skiff("unpause", "ticker").Success(t)
	if !strings.Contains(status(), `"Status":"running"`) {
		t.Errorf("state after unpause: %s", status())
	}
	a = tick()
	time.Sleep(300 * time.Millisecond)
	if b := tick(); a == b {
		t.Errorf("an unpaused container does not run")
	}
	e.Skiff("unpause", "ticker").Fail(t, 1, "is not paused")
	// a paused container can be killed and removed
	e.Skiff("pause", "ticker").Success(t)
	e.Skiff("rm", "-f", "ticker").Success(t)
	stopped := e.Skiff("create", img, "true").Success(t).Out()
	e.Skiff("pause", stopped).Fail(t, 1, "is not running")
}
