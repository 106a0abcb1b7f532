package container

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.podman.io/storage/pkg/archive"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// The tar stream `cp - CONTAINER:PATH` and `cp HOSTDIR CONTAINER:` unpack
// into a container, as extract unpacks it: whatever its entries (.. and
// absolute names, a symlink and then a file through it, hard links to
// files outside, links into the host's paths) nothing outside the
// container root changes, and a refusal is one line. The fuzzer gets the
// stream twice: as a script of entries (one a line: "f NAME", "d NAME",
// "l NAME TARGET", "h NAME TARGET", $OUT standing for the host directory
// beside the root) and as raw bytes.
func FuzzCopyToTar(f *testing.F) {
	if os.Geteuid() != 0 {
		f.Skip("the extraction chroots into the container root: needs root")
	}
	for _, s := range []string{
		"f ../../x\nf /abs\nf ok",
		"l a $OUT\nf a/x",
		"l up ../../..\nf up/x\nf up/outside/secret",
		"h hl $OUT/secret\nh hl2 ../../outside/secret\nh hl3 /etc/passwd",
		"d d\nl d/s /\nf d/s/etc/x",
		"l etc /\nf etc/y\nl abs2 $OUT/secret\nf abs2",
		"f .wh.secret\nf .wh..wh..opq\nd ../",
		"f abs/planted\nf root/etc/planted\nf up/planted\nh abs/hl abs/secret",
	} {
		f.Add(s, []byte(nil))
	}
	f.Add("", tarStream(f, "l a $OUT\nf a/x\nh b $OUT/secret", "/nowhere"))
	f.Fuzz(func(t *testing.T, script string, raw []byte) {
		top := t.TempDir()
		outside := filepath.Join(top, "outside")
		root := filepath.Join(top, "root")
		for _, d := range []string{outside, filepath.Join(root, "etc"), filepath.Join(root, "usr/bin"), filepath.Join(root, "dest")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for p, s := range map[string]string{filepath.Join(outside, "secret"): "host", filepath.Join(root, "etc/passwd"): "root:x:0:0::/:/bin/sh\n"} {
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for name, target := range map[string]string{"bin": "usr/bin", "dest/abs": outside, "dest/up": "../../..", "dest/root": "/"} {
			if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
				t.Fatal(err)
			}
		}
		before := snapshot(t, top, "root")
		for _, stream := range [][]byte{tarStream(t, script, outside), raw} {
			err := untarInRoot(bytes.NewReader(stream), root, filepath.Join(root, "dest"), &archive.TarOptions{NoOverwriteDirNonDir: true})
			fuzzcheck.OneLine(t, "cp", err)
		}
		if after := snapshot(t, top, "root"); after != before {
			t.Fatalf("unpacking changed the host outside the container root:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

// tarStream builds a tar from a script of entries (see FuzzCopyToTar).
func tarStream(t testing.TB, script, outside string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, line := range strings.Split(strings.ReplaceAll(script, "$OUT", outside), "\n") {
		kind, rest, _ := strings.Cut(line, " ")
		name, link, _ := strings.Cut(rest, " ")
		h := &tar.Header{Name: name, Linkname: link, Mode: 0o644}
		switch kind {
		case "f":
			h.Typeflag, h.Size = tar.TypeReg, int64(len(name))
		case "d":
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		case "l":
			h.Typeflag = tar.TypeSymlink
		case "h":
			h.Typeflag = tar.TypeLink
		default:
			continue
		}
		if tw.WriteHeader(h) != nil {
			return b.Bytes() // a name tar cannot hold: the stream so far
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(name))
		}
	}
	tw.Close()
	return b.Bytes()
}

// snapshot describes every file under dir except the entry skip: name,
// type, mode, owner, link count, content or link target.
func snapshot(t *testing.T, dir, skip string) string {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == skip {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		fmt.Fprintf(&b, "%s %v %d:%d n%d", rel, info.Mode(), st.Uid, st.Gid, st.Nlink)
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, " -> %s", target)
		case info.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
