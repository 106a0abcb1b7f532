package build

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/skiff-containers/skiff/runtime/build/buildctx"
)

// tree makes a directory tree: names ending in / are directories, "->"
// makes a symlink.
func tree(t testing.TB, entries ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, e := range entries {
		name, target, link := strings.Cut(e, " -> ")
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		switch {
		case link:
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		case strings.HasSuffix(name, "/"):
			os.MkdirAll(p, 0o755)
		default:
			os.WriteFile(p, []byte(name), 0o644)
		}
	}
	return dir
}

// layerNames writes a COPY's layer and lists its entries (dirs end in /).
func layerNames(t *testing.T, root, ctx, dest string, srcs ...string) (string, error) {
	t.Helper()
	fsys := &buildctx.FS{Root: ctx}
	src := &copySource{fs: fsys}
	for _, s := range srcs {
		m, err := fsys.Match(s)
		if err != nil {
			t.Fatal(err)
		}
		src.matches = append(src.matches, m...)
	}
	w := &layerWriter{root: root, wrote: map[string]wrote{}}
	var buf bytes.Buffer
	sp := copySpec{cmd: &instructions.CopyCommand{}, dest: dest}
	if err := w.write(&buf, sp, src); err != nil {
		return "", err
	}
	var names []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n := h.Name
		if h.Typeflag == tar.TypeSymlink {
			n += " -> " + h.Linkname
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, " "), nil
}

func TestCopyDestinationRules(t *testing.T) {
	t.Parallel()
	// the image: merged /usr (bin -> usr/bin), an existing /app/ and a file
	root := tree(t, "usr/bin/", "bin -> usr/bin", "app/", "etc/conf", "opt/link -> /app")
	ctx := tree(t, "a.txt", "b.txt", "dir/x", "dir/sub/y", "dir/ln -> x")
	for _, tc := range []struct {
		dest string
		srcs []string
		want string
	}{
		{"/app/", []string{"a.txt"}, "app/a.txt"},
		{"/app", []string{"a.txt"}, "app/a.txt"},                  // an existing directory
		{"/new/name.txt", []string{"a.txt"}, "new/ new/name.txt"}, // a missing parent is made
		{"/new/", []string{"a.txt", "b.txt"}, "new/ new/a.txt new/b.txt"},
		{"/bin/", []string{"a.txt"}, "usr/bin/a.txt"},                          // through the image's symlink
		{"/opt/link/", []string{"a.txt"}, "app/a.txt"},                         // an absolute symlink stays inside
		{"/srv", []string{"dir"}, "srv/ srv/ln -> x srv/sub/ srv/sub/y srv/x"}, // a directory's contents
		{"/app/", []string{"*.txt"}, "app/a.txt app/b.txt"},
	} {
		got, err := layerNames(t, root, ctx, tc.dest, tc.srcs...)
		if err != nil {
			t.Errorf("COPY %v %s: %v", tc.srcs, tc.dest, err)
			continue
		}
		if got != tc.want {
			t.Errorf("COPY %v %s: layer %q, want %q", tc.srcs, tc.dest, got, tc.want)
		}
	}
	if _, err := layerNames(t, root, ctx, "/x", "a.txt", "b.txt"); err == nil || !strings.Contains(err.Error(), "must be a directory and end with a /") {
		t.Errorf("two sources to a file: %v", err)
	}
	if _, err := layerNames(t, root, ctx, "/etc/conf/", "a.txt"); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("into a file: %v", err)
	}
	// FROM scratch: no tree, every directory is made
	if got, _ := layerNames(t, "", ctx, "/a/b/", "a.txt"); got != "a/ a/b/ a/b/a.txt" {
		t.Errorf("on scratch: %q", got)
	}
}

func TestSequencer(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	q := newSequencer(&out, 3)
	io.WriteString(q.writer(2), "c1 ")
	io.WriteString(q.writer(0), "a1 ")
	io.WriteString(q.writer(1), "b1 ")
	q.finish(2)
	io.WriteString(q.writer(0), "a2 ")
	q.finish(0)
	io.WriteString(q.writer(1), "b2 ")
	q.finish(1)
	if got := out.String(); got != "a1 a2 b1 b2 c1 " {
		t.Errorf("output %q, want the stages in order", got)
	}
}

func TestKeysAndHistory(t *testing.T) {
	t.Parallel()
	k := key("parent", "RUN x", []string{"A=1"}, "")
	for _, other := range []string{
		key("other", "RUN x", []string{"A=1"}, ""),
		key("parent", "RUN y", []string{"A=1"}, ""),
		key("parent", "RUN x", []string{"A=2"}, ""),
		key("parent", "RUN x", []string{"A=1"}, "content"),
	} {
		if other == k {
			t.Error("a different step has the same cache key")
		}
	}
	if got := runHistory([]string{"/bin/sh", "-c", "make"}, []string{"V=1", "http_proxy=p"}); got != "|1 V=1 /bin/sh -c make" {
		t.Errorf("runHistory = %q", got)
	}
	if got := workdir("/app", "sub/../lib"); got != "/app/lib" {
		t.Errorf("workdir = %q", got)
	}
}

// An ADDed archive's symlinks are followed inside the image by the
// archive's later entries (as extracting it in the container's root
// would), whatever they point to; hard links resolve the same way.
func TestAddArchiveThroughItsSymlinks(t *testing.T) {
	t.Parallel()
	root := tree(t, "etc/", "app/")
	arc := bytes.NewBuffer(hostileArchive(t))
	ctx := tree(t)
	if err := os.WriteFile(filepath.Join(ctx, "a.tar"), arc.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := &buildctx.FS{Root: ctx}
	m, err := fsys.Match("a.tar")
	if err != nil {
		t.Fatal(err)
	}
	w := &layerWriter{root: root, wrote: map[string]wrote{}}
	var buf bytes.Buffer
	sp := copySpec{cmd: &instructions.AddCommand{}, add: true, dest: "/app/"}
	if err := w.write(&buf, sp, &copySource{fs: fsys, matches: m}); err != nil {
		t.Fatal(err)
	}
	var got []string
	tr := tar.NewReader(&buf)
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		n := h.Name
		if h.Linkname != "" {
			n += " > " + h.Linkname
		}
		got = append(got, n)
	}
	want := "app/x app/lnk > /tmp tmp/ tmp/a app/up > ../../../../.. etc/b app/hl > etc/b"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("layer:\n%s\nwant\n%s", s, want)
	}
	// a hard link to a file the archive does not hold (the host's
	// /etc/passwd, or the image's) is refused
	arc.Reset()
	tw := tar.NewWriter(arc)
	tw.WriteHeader(&tar.Header{Name: "hl2", Typeflag: tar.TypeLink, Linkname: "/../../etc/passwd"})
	tw.Close()
	os.WriteFile(filepath.Join(ctx, "a.tar"), arc.Bytes(), 0o644)
	w = &layerWriter{root: root, wrote: map[string]wrote{}}
	if err := w.write(io.Discard, sp, &copySource{fs: fsys, matches: m}); err == nil || !strings.Contains(err.Error(), "not a file the archive holds") {
		t.Errorf("a hard link out: %v", err)
	}
}

// hostileArchive climbs out with its names, and through its own symlinks
// (to / and up) with later entries and a hard link.
func hostileArchive(t testing.TB) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range []*tar.Header{
		{Name: "../../../../x", Typeflag: tar.TypeReg},
		{Name: "lnk", Typeflag: tar.TypeSymlink, Linkname: "/tmp"},
		{Name: "lnk/a", Typeflag: tar.TypeReg},
		{Name: "up", Typeflag: tar.TypeSymlink, Linkname: "../../../../.."},
		{Name: "up/etc/b", Typeflag: tar.TypeReg},
		{Name: "hl", Typeflag: tar.TypeLink, Linkname: "up/etc/b"},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
