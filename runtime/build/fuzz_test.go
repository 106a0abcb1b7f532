package build

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
	"github.com/skiff-containers/skiff/runtime/build/buildctx"
)

// ADD of an archive from the context: whatever its entries, the layer
// names only paths inside the image (relative, no ..), and hard links
// only files the layer holds.
func FuzzAddArchive(f *testing.F) {
	f.Add(hostileArchive(f), "/app/")
	f.Add([]byte{}, "/")
	root := tree(f, "etc/", "app/", "bin -> usr/bin", "usr/bin/", "abs -> /", "file")
	f.Fuzz(func(t *testing.T, archive []byte, dest string) {
		if dest == "" || strings.ContainsRune(dest, 0) {
			return
		}
		ctx := t.TempDir()
		if err := os.WriteFile(filepath.Join(ctx, "a.tar"), archive, 0o644); err != nil {
			t.Fatal(err)
		}
		fsys := &buildctx.FS{Root: ctx}
		m, err := fsys.Match("a.tar")
		if err != nil {
			t.Fatal(err)
		}
		w := &layerWriter{root: root, wrote: map[string]wrote{}}
		var out bytes.Buffer
		sp := copySpec{cmd: &instructions.AddCommand{}, add: true, dest: path.Clean("/" + dest)}
		if strings.HasSuffix(dest, "/") {
			sp.dest += "/"
		}
		err = w.write(&out, sp, &copySource{fs: fsys, matches: m})
		fuzzcheck.OneLine(t, "ADD", err)
		inside := func(name string) bool {
			name = strings.TrimSuffix(name, "/")
			return name != "" && !path.IsAbs(name) && path.Clean(name) == name && name != ".." && !strings.HasPrefix(name, "../")
		}
		tr := tar.NewReader(&out)
		for {
			h, err := tr.Next()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("the layer is not a tar: %v", err)
				}
				return
			}
			if !inside(h.Name) || (h.Typeflag == tar.TypeLink && !inside(h.Linkname)) {
				t.Fatalf("the layer names %q (link %q)", h.Name, h.Linkname)
			}
		}
	})
}
