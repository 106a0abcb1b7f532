package buildctx

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, "/") {
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func walked(t *testing.T, c *Context, pattern string) string {
	t.Helper()
	srcs, err := c.Match(pattern)
	if err != nil {
		return "error: " + err.Error()
	}
	var out []string
	for _, s := range srcs {
		err := c.Walk(s, func(rel, _ string, info fs.FileInfo) error {
			out = append(out, filepath.Join(s.Rel, rel))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"Dockerfile":    "FROM scratch\n",
		".dockerignore": "# comment\n*.log\nbig\nsecret/*\n!secret/keep\nDockerfile\n",
		"app.py":        "print(1)",
		"debug.log":     "x",
		"big/huge.bin":  "x",
		"secret/key":    "x",
		"secret/keep":   "kept",
		"src/a.go":      "a",
		"src/b.log":     "b",
		"src/sub/c.go":  "c",
	})
	c, err := Open(OpenOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if string(c.Dockerfile) != "FROM scratch\n" {
		t.Errorf("an ignored Dockerfile is still read: %q", c.Dockerfile)
	}
	for _, tc := range []struct{ pattern, want string }{
		{"app.py", "app.py"},
		{"src", "src src/a.go src/b.log src/sub src/sub/c.go"},
		{"*.py", "app.py"},
		{"src/*.go", "src/a.go"},
		{"secret/keep", "secret/keep"},
		{"secret", "secret secret/keep"},
		{".", ". .dockerignore app.py secret secret/keep src src/a.go src/b.log src/sub src/sub/c.go"},
		{"debug.log", "error: file not found in build context or excluded by .dockerignore: debug.log"},
		{"big/huge.bin", "error: file not found in build context or excluded by .dockerignore: big/huge.bin"},
		{"missing", "error: file not found in build context or excluded by .dockerignore: missing"},
		{"*.txt", "error: file not found in build context or excluded by .dockerignore: no file matches *.txt"},
		{"../../etc/passwd", "error: file not found in build context or excluded by .dockerignore: etc/passwd"},
	} {
		if got := walked(t, c, tc.pattern); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.pattern, got, tc.want)
		}
	}
}

func TestDigest(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"a/x": "1", "a/y": "2", "b": "3"})
	cache := filepath.Join(t.TempDir(), "stat.json")
	digest := func() string {
		c, err := Open(OpenOptions{Path: dir, Dockerfile: "-", StatCache: cache})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		srcs, err := c.Match("a")
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Digest(srcs)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d1 := digest()
	if _, err := os.Stat(cache); err != nil {
		t.Fatalf("stat cache not written: %v", err)
	}
	if d2 := digest(); d2 != d1 {
		t.Errorf("same content, different digests")
	}
	os.WriteFile(filepath.Join(dir, "b"), []byte("changed"), 0o644)
	if d3 := digest(); d3 != d1 {
		t.Errorf("a file outside the sources changed the digest")
	}
	os.WriteFile(filepath.Join(dir, "a/y"), []byte("22"), 0o644)
	if d4 := digest(); d4 == d1 {
		t.Errorf("changed content, same digest")
	}
}

func TestTarContext(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range map[string]string{"Dockerfile.dev": "FROM busybox\n", "app/main.sh": "echo hi"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	c, err := Open(OpenOptions{Path: "-", Stdin: &buf, Dockerfile: "Dockerfile.dev", TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Dockerfile) != "FROM busybox\n" {
		t.Errorf("Dockerfile %q", c.Dockerfile)
	}
	if got := walked(t, c, "app"); got != "app app/main.sh" {
		t.Errorf("walk %q", got)
	}
	root := c.Root
	c.Close()
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the unpacked context stays after Close")
	}
	if _, err := Open(OpenOptions{Path: "-", Stdin: strings.NewReader("not a tar at all, no")}); err == nil ||
		!strings.Contains(err.Error(), "not a directory or a") {
		t.Errorf("garbage on stdin: %v", err)
	}
	if _, err := Open(OpenOptions{Path: "/nonexistent/ctx"}); err == nil || !strings.Contains(err.Error(), `path "/nonexistent/ctx" not found`) {
		t.Errorf("missing context: %v", err)
	}
}
