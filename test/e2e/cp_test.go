package e2e

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// cpFixture is a container whose filesystem holds a file, a directory
// with two files, and symlinks to both.
func cpFixture(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	img := e.LoadBusybox()
	ctr := e.Skiff(append(append([]string{"create"}, args...), img, "sleep", "300")...).Success(t).Out()
	src := e.Mkdir("fixture")
	e.WriteFile("fixture/file", "file content\n")
	e.Mkdir("fixture/dir")
	e.WriteFile("fixture/dir/a", "a\n")
	e.WriteFile("fixture/dir/b", "b\n")
	e.Skiff("cp", filepath.Join(src, "file"), ctr+":/file").Success(t)
	e.Skiff("cp", filepath.Join(src, "dir"), ctr+":/dir").Success(t)
	e.Skiff("start", ctr).Success(t)
	for _, cmd := range []string{"ln -s /file /filelink", "ln -s dir /dirlink", "mkdir /emptydir", "echo existing > /existing"} {
		e.Skiff("exec", ctr, "sh", "-c", cmd).Success(t)
	}
	return ctr
}

// tree lists a host directory: "path type content" lines.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out = append(out, rel+" -> "+l)
		case fi.IsDir():
			out = append(out, rel+"/")
		default:
			b, _ := os.ReadFile(p)
			out = append(out, rel+"="+strings.TrimSpace(string(b)))
		}
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, " ")
}

// The path rules of docker's cp, from the container to the host.
func TestCpFromContainer(t *testing.T) {
	t.Parallel()
	e := New(t)
	ctr := cpFixture(t, e)
	for _, tc := range []struct {
		name, src, dst, want, err string
		pre                       func(dst string)
	}{
		{name: "file to new name", src: "/file", dst: "new", want: "new=file content"},
		{name: "file to existing dir", src: "/file", dst: ".", want: "file=file content"},
		{name: "file over a file", src: "/file", dst: "f", want: "f=file content", pre: func(d string) { os.WriteFile(d, []byte("old"), 0o644) }},
		{name: "file to missing dir/", src: "/file", dst: "nodir/", err: "must exist"},
		{name: "dir to new name", src: "/dir", dst: "new", want: "new/ new/a=a new/b=b"},
		{name: "dir into existing dir", src: "/dir", dst: ".", want: "dir/ dir/a=a dir/b=b"},
		{name: "dir contents into dir", src: "/dir/.", dst: ".", want: "a=a b=b"},
		{name: "dir over a file", src: "/dir", dst: "f", err: "cannot copy a directory", pre: func(d string) { os.WriteFile(d, []byte("old"), 0o644) }},
		{name: "symlink copied as link", src: "/filelink", dst: ".", want: "filelink -> /file"},
		{name: "symlink followed with -L", src: "/filelink", dst: ".", want: "filelink=file content"},
		{name: "dir symlink with /", src: "/dirlink/", dst: "out", want: "out/ out/a=a out/b=b"},
		{name: "missing source", src: "/nope", dst: ".", err: "Could not find the file /nope in container"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := e.Mkdir("from-" + strings.ReplaceAll(tc.name, " ", "-"))
			dst := work + "/" + tc.dst
			if tc.dst == "." {
				dst = work + "/"
			}
			if tc.pre != nil {
				tc.pre(dst)
			}
			args := []string{"cp"}
			if strings.Contains(tc.name, "-L") {
				args = append(args, "-L")
			}
			r := e.Skiff(append(args, ctr+":"+tc.src, dst)...)
			if tc.err != "" {
				oneErrorLine(t, r, tc.err)
				return
			}
			r.Success(t)
			if got := tree(t, work); got != tc.want {
				t.Errorf("cp %s %s: tree %q, want %q", tc.src, tc.dst, got, tc.want)
			}
		})
	}
}

// The same rules the other way, checked inside the container.
func TestCpToContainer(t *testing.T) {
	t.Parallel()
	e := New(t)
	ctr := cpFixture(t, e)
	src := filepath.Join(e.Dir, "fixture")
	os.Symlink("file", filepath.Join(src, "link"))
	ls := func(p string) string {
		return e.Skiff("exec", ctr, "sh", "-c", "cd "+p+" && find . | sort | tr '\\n' ' '").Success(t).Out()
	}
	e.Skiff("cp", filepath.Join(src, "file"), ctr+":/new").Success(t)
	e.Skiff("cp", filepath.Join(src, "file"), ctr+":/emptydir").Success(t)
	e.Skiff("cp", filepath.Join(src, "file"), ctr+":/existing").Success(t)
	if got := e.Skiff("exec", ctr, "cat", "/new", "/emptydir/file", "/existing").Success(t).Out(); got != "file content\nfile content\nfile content" {
		t.Errorf("file copies: %q", got)
	}
	e.Skiff("cp", filepath.Join(src, "dir"), ctr+":/newdir").Success(t)
	e.Skiff("cp", filepath.Join(src, "dir"), ctr+":/emptydir").Success(t)
	e.Skiff("cp", filepath.Join(src, "dir")+"/.", ctr+":/emptydir").Success(t)
	if got := ls("/newdir"); got != ". ./a ./b" {
		t.Errorf("dir to new name: %q", got)
	}
	if got := ls("/emptydir"); got != ". ./a ./b ./dir ./dir/a ./dir/b ./file" {
		t.Errorf("dir into dir and dir/. into dir: %q", got)
	}
	e.Skiff("cp", filepath.Join(src, "link"), ctr+":/tmp/").Success(t)
	e.Skiff("cp", "-L", filepath.Join(src, "link"), ctr+":/tmp/followed").Success(t)
	if got := e.Skiff("exec", ctr, "sh", "-c", "readlink /tmp/link; cat /tmp/followed").Success(t).Out(); got != "file\nfile content" {
		t.Errorf("symlink copies: %q", got)
	}
	oneErrorLine(t, e.Skiff("cp", filepath.Join(src, "file"), ctr+":/nodir/sub"), "Could not find the file /nodir")
	oneErrorLine(t, e.Skiff("cp", filepath.Join(src, "file"), ctr+":/nodir/sub/"), "must exist")
	oneErrorLine(t, e.Skiff("cp", filepath.Join(src, "dir"), ctr+":/existing"), "cannot copy a directory")
	oneErrorLine(t, e.Skiff("cp", filepath.Join(src, "nope"), ctr+":/"), "no such file or directory")
	oneErrorLine(t, e.Skiff("cp", filepath.Join(src, "file"), "nosuch:/x"), "No such container: nosuch")
	oneErrorLine(t, e.Skiff("cp", "a:/x", "b:/y"), "copying between containers is not supported")
	oneErrorLine(t, e.Skiff("cp", "/a", "/b"), "must specify at least one container source")
	// a file the user owns lands as the user's (rootless: container root's)
	owner := e.Skiff("exec", ctr, "stat", "-c", "%u:%g", "/new").Success(t).Out()
	want := "0:0"
	if !e.Rootless && e.UID != 0 {
		want = ""
	}
	if want != "" && owner != want {
		t.Errorf("owner of a copied file: %s, want %s", owner, want)
	}
}

// cp - streams tar archives both ways; stopped containers work too.
func TestCpTarStreamsAndStoppedContainer(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	ctr := e.Skiff("create", img, "true").Success(t).Out()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "in/", Typeflag: tar.TypeDir, Mode: 0o750})
	tw.WriteHeader(&tar.Header{Name: "in/x", Typeflag: tar.TypeReg, Mode: 0o640, Size: 3})
	tw.Write([]byte("xyz"))
	tw.WriteHeader(&tar.Header{Name: "in/l", Typeflag: tar.TypeSymlink, Linkname: "x"})
	tw.Close()
	e.SkiffStdin(&buf, "cp", "-", ctr+":/tmp").Success(t)
	oneErrorLine(t, e.SkiffStdin(strings.NewReader(""), "cp", "-", ctr+":/etc/passwd"), "must be a directory")

	r := e.Skiff("cp", ctr+":/tmp/in", "-").Success(t)
	got := map[string]string{}
	tr := tar.NewReader(strings.NewReader(r.Stdout))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("cp to -: not a tar: %v", err)
		}
		b, _ := io.ReadAll(tr)
		got[h.Name] = string(b) + h.Linkname + "|" + os.FileMode(h.Mode).Perm().String()
	}
	want := map[string]string{"in/": "|-rwxr-x---", "in/x": "xyz|-rw-r-----", "in/l": "x|-rwxrwxrwx"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("tar entry %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	// the container never ran: its filesystem was mounted for the copy only
	dst := e.Mkdir("out")
	e.Skiff("cp", ctr+":/tmp/in/x", dst).Success(t)
	if b, _ := os.ReadFile(filepath.Join(dst, "x")); string(b) != "xyz" {
		t.Errorf("copied from a stopped container: %q", b)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(dst, "x"), &st); err != nil || int(st.Uid) != e.UID {
		t.Errorf("host copy owned by %d, want the invoking user %d (%v)", st.Uid, e.UID, err)
	}
}

// cp sees what the container sees: its volumes and binds, also while it
// runs, and refuses to write where the container cannot.
func TestCpThroughVolumes(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	bind := e.Mkdir("bind")
	ctr := e.Skiff("run", "-d", "-v", "data:/data", "-v", bind+":/bind", "-v", "rodata:/ro:ro", img, "sleep", "300").Success(t).Out()
	f := e.WriteFile("f", "through\n")
	e.Skiff("cp", f, ctr+":/data/f").Success(t)
	e.Skiff("cp", f, ctr+":/bind/").Success(t)
	if got := e.Skiff("exec", ctr, "cat", "/data/f", "/bind/f").Success(t).Out(); got != "through\nthrough" {
		t.Errorf("copied into volume and bind: %q", got)
	}
	if got := runOut(t, e, "-v", "data:/d", img, "cat", "/d/f"); got != "through" {
		t.Errorf("the volume itself holds %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(bind, "f")); string(b) != "through\n" {
		t.Errorf("the bind source holds %q", b)
	}
	e.Skiff("exec", ctr, "sh", "-c", "echo made inside > /data/g").Success(t)
	out := e.Mkdir("out")
	e.Skiff("cp", ctr+":/data/g", out).Success(t)
	if b, _ := os.ReadFile(filepath.Join(out, "g")); string(b) != "made inside\n" {
		t.Errorf("copied out of a volume: %q", b)
	}
	oneErrorLine(t, e.Skiff("cp", f, ctr+":/ro/"), "mounted volume is marked read-only")
	e.Skiff("rm", "-f", ctr).Success(t)

	ro := e.Skiff("create", "--read-only", "-v", "data:/data", img, "true").Success(t).Out()
	oneErrorLine(t, e.Skiff("cp", f, ro+":/"), "container rootfs is marked read-only")
	e.Skiff("cp", f, ro+":/data/ok").Success(t)
}

// -a gives the files copied in to the container's user.
func TestCpArchiveMode(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	ctr := e.Skiff("create", "-u", "65534:65534", img, "true").Success(t).Out()
	f := e.WriteFile("f", "x")
	e.Skiff("cp", "-a", f, ctr+":/tmp/a").Success(t)
	e.Skiff("cp", f, ctr+":/tmp/plain").Success(t)
	tarOut := e.Skiff("export", ctr).Success(t).Stdout
	owners := map[string]int{}
	tr := tar.NewReader(strings.NewReader(tarOut))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		owners[h.Name] = h.Uid
	}
	if owners["tmp/a"] != 65534 {
		t.Errorf("cp -a: owner %d, want the container user 65534", owners["tmp/a"])
	}
	if e.Rootless && owners["tmp/plain"] != 0 {
		t.Errorf("cp: owner %d, want 0 (the invoking user is container root)", owners["tmp/plain"])
	}
}
