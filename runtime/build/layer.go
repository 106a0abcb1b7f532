package build

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"go.podman.io/image/v5/pkg/compression"

	"github.com/skiff-containers/skiff/runtime/build/buildctx"
)

// write writes a COPY's or ADD's whole layer to out, with docker's rules:
// a directory source copies its contents; several sources need a
// destination directory ending in /; a file lands inside an existing
// directory; missing parent directories are created; ADD unpacks local
// archives.
func (w *layerWriter) write(out io.Writer, sp copySpec, src *copySource) error {
	w.tw = tar.NewWriter(out)
	n := len(src.matches) + len(src.urls) + len(sp.contents)
	destDir := strings.HasSuffix(sp.dest, "/")
	dest := path.Clean(sp.dest)
	if n > 1 && !destDir {
		return &copyError{fmt.Sprintf("When using %s with more than one source file, the destination must be a directory and end with a /", strings.ToUpper(sp.cmd.Name()))}
	}
	for _, m := range src.matches {
		var err error
		switch {
		case m.Info.IsDir():
			err = w.copyDir(src.fs, m, dest)
		case sp.add && (sp.unpack == nil || *sp.unpack) && m.Info.Mode().IsRegular():
			err = w.addFileOrArchive(m, dest, destDir)
		default:
			err = w.copyFile(w.fileTarget(dest, path.Base(m.Rel), destDir), m.Path, m.Info)
		}
		if err != nil {
			return err
		}
	}
	for _, d := range src.urls {
		if err := w.copyFile(w.fileTarget(dest, d.name, destDir), d.path, d.info()); err != nil {
			return err
		}
	}
	for _, c := range sp.contents {
		if err := w.writeContent(w.fileTarget(dest, c.Path, destDir), c.Data); err != nil {
			return err
		}
	}
	return w.tw.Close()
}

// resolve maps an absolute path in the image to its name in the layer:
// symlinks in its parent directories are followed inside the tree (so
// COPY x /bin/ lands in usr/bin on a merged-/usr system); the last
// component is kept.
func (w *layerWriter) resolve(abs string) (string, error) {
	abs = path.Clean("/" + abs)
	if abs == "/" {
		return ".", nil
	}
	dir, base := path.Split(abs)
	if w.root == "" || w.made[strings.TrimPrefix(path.Clean(dir), "/")] {
		return strings.TrimPrefix(abs, "/"), nil
	}
	full, err := securejoin.SecureJoin(w.root, dir)
	if err != nil {
		return "", err
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(full, w.root), "/")
	return path.Join(rel, base), nil
}

// existingDir reports whether rel is a directory of the tree or made by
// this layer; exists whether it is anything.
func (w *layerWriter) stat(rel string) (fs.FileInfo, bool) {
	if w.root == "" {
		return nil, false
	}
	p, err := securejoin.SecureJoin(w.root, rel)
	if err != nil {
		return nil, false
	}
	st, err := os.Stat(p)
	return st, err == nil
}

func (w *layerWriter) isDir(abs string) bool {
	rel, err := w.resolve(abs)
	if err != nil {
		return false
	}
	if w.made[rel] {
		return true
	}
	st, ok := w.stat(rel)
	return ok && st.IsDir()
}

// fileTarget is where a file named name goes for destination dest.
func (w *layerWriter) fileTarget(dest, name string, destDir bool) string {
	if destDir || w.isDir(dest) {
		return path.Join(dest, name)
	}
	return dest
}

// mkdirAll writes the missing directories of abs (itself included), as
// 0755 owned by --chown's user.
func (w *layerWriter) mkdirAll(abs string) (string, error) {
	abs = path.Clean("/" + abs)
	rel := "."
	for _, comp := range strings.Split(strings.TrimPrefix(abs, "/"), "/") {
		if comp == "" {
			continue
		}
		var err error
		if rel, err = w.resolve(path.Join("/"+rel, comp)); err != nil {
			return "", err
		}
		if w.made[rel] {
			continue
		}
		if st, ok := w.stat(rel); ok {
			if !st.IsDir() {
				return "", &copyError{fmt.Sprintf("cannot copy to /%s: it is not a directory in the image", rel)}
			}
			continue
		}
		if err := w.writeDir(rel, 0o755, w.now); err != nil {
			return "", err
		}
	}
	return rel, nil
}

func (w *layerWriter) writeDir(rel string, mode fs.FileMode, mtime time.Time) error {
	if w.chmod != nil {
		mode = *w.chmod
	}
	w.made[rel] = true
	h := &tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: tarMode(mode), Uid: w.uid, Gid: w.gid, ModTime: mtime}
	return w.tw.WriteHeader(h)
}

// copyDir copies the contents of a source directory into dest.
func (w *layerWriter) copyDir(fsys *buildctx.FS, m buildctx.Source, dest string) error {
	if _, err := w.mkdirAll(path.Dir(dest)); err != nil {
		return err
	}
	if !w.isDir(dest) {
		rel, err := w.resolve(dest)
		if err != nil {
			return err
		}
		if err := w.writeDir(rel, m.Info.Mode(), m.Info.ModTime()); err != nil {
			return err
		}
	}
	return fsys.Walk(m, func(rel, p string, info fs.FileInfo) error {
		if rel == "." {
			return nil
		}
		target := path.Join(dest, rel)
		if info.IsDir() {
			r, err := w.resolve(target)
			if err != nil {
				return err
			}
			return w.writeDir(r, info.Mode(), info.ModTime())
		}
		return w.copyFile(target, p, info)
	})
}

// copyFile writes one file (or symlink) at target.
func (w *layerWriter) copyFile(target, src string, info fs.FileInfo) error {
	if _, err := w.mkdirAll(path.Dir(target)); err != nil {
		return err
	}
	rel, err := w.resolve(target)
	if err != nil {
		return err
	}
	if st, ok := w.stat(rel); (ok && st.IsDir()) || w.made[rel] {
		return &copyError{fmt.Sprintf("cannot replace the directory /%s with a file", rel)}
	}
	h := &tar.Header{Name: rel, Mode: tarMode(info.Mode()), Uid: w.uid, Gid: w.gid, ModTime: info.ModTime()}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(src)
		if err != nil {
			return err
		}
		h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, t, 0o777
		return w.tw.WriteHeader(h)
	case !info.Mode().IsRegular():
		return nil // devices, sockets and pipes are not copied
	}
	if w.chmod != nil {
		h.Mode = tarMode(*w.chmod)
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	h.Typeflag, h.Size = tar.TypeReg, info.Size()
	if err := w.tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.Copy(w.tw, f)
	return err
}

// writeContent writes a heredoc source as a file.
func (w *layerWriter) writeContent(target, data string) error {
	if _, err := w.mkdirAll(path.Dir(target)); err != nil {
		return err
	}
	rel, err := w.resolve(target)
	if err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if w.chmod != nil {
		mode = *w.chmod
	}
	h := &tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: tarMode(mode), Uid: w.uid, Gid: w.gid, ModTime: w.now, Size: int64(len(data))}
	if err := w.tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.WriteString(w.tw, data)
	return err
}

// addFileOrArchive is ADD of a local file: a tar archive (plain, gzip,
// bzip2, xz, zstd: recognized by content, not name) is unpacked into the
// destination; anything else is copied.
func (w *layerWriter) addFileOrArchive(m buildctx.Source, dest string, destDir bool) error {
	f, err := os.Open(m.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	plain, _, err := compression.AutoDecompress(f)
	if err == nil {
		tr := tar.NewReader(plain)
		h, terr := tr.Next()
		if terr == nil {
			err := w.extract(tr, h, dest)
			plain.Close()
			return err
		}
		plain.Close()
	}
	return w.copyFile(w.fileTarget(dest, path.Base(m.Rel), destDir), m.Path, m.Info)
}

// extract writes an archive's entries below dest, with their own owners
// unless --chown says otherwise.
func (w *layerWriter) extract(tr *tar.Reader, first *tar.Header, dest string) error {
	if _, err := w.mkdirAll(dest); err != nil {
		return err
	}
	for h := first; ; {
		if err := w.extractOne(tr, h, dest); err != nil {
			return err
		}
		next, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &copyError{fmt.Sprintf("unpacking the archive: %v", err)}
		}
		h = next
	}
}

func (w *layerWriter) extractOne(tr *tar.Reader, h *tar.Header, dest string) error {
	target := path.Join(dest, path.Clean("/"+h.Name))
	if target == dest {
		return nil // the archive's "./"
	}
	if _, err := w.mkdirAll(path.Dir(target)); err != nil {
		return err
	}
	rel, err := w.resolve(target)
	if err != nil {
		return err
	}
	out := *h
	out.Name = rel
	switch h.Typeflag {
	case tar.TypeDir:
		out.Name += "/"
		w.made[rel] = true
	case tar.TypeLink:
		if out.Linkname, err = w.resolve(path.Join(dest, path.Clean("/"+h.Linkname))); err != nil {
			return err
		}
	}
	if w.uid != 0 || w.gid != 0 {
		out.Uid, out.Gid = w.uid, w.gid
	}
	out.Uname, out.Gname = "", ""
	if err := w.tw.WriteHeader(&out); err != nil {
		return err
	}
	_, err = io.Copy(w.tw, tr)
	return err
}

// tarMode is a file mode as a tar header's.
func tarMode(m fs.FileMode) int64 {
	out := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		out |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		out |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		out |= 0o1000
	}
	return out
}
