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
	"syscall"
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
			err = w.addFileOrArchive(src.fs, m, dest, destDir)
		default:
			err = w.copyFile(w.fileTarget(dest, path.Base(m.Rel), destDir), src.fs, m.Path, m.Info)
		}
		if err != nil {
			return err
		}
	}
	for _, d := range src.urls {
		if err := w.copyFile(w.fileTarget(dest, d.name, destDir), nil, d.path, d.info()); err != nil {
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

// wrote is an entry this layer has written: its type, and a symlink's
// target.
type wrote struct {
	mode   fs.FileMode
	target string
}

func (e wrote) Name() string       { return "" }
func (e wrote) Size() int64        { return 0 }
func (e wrote) Mode() fs.FileMode  { return e.mode }
func (e wrote) ModTime() time.Time { return time.Time{} }
func (e wrote) IsDir() bool        { return e.mode.IsDir() }
func (e wrote) Sys() any           { return nil }

// noTree stands for the root of an empty image (FROM scratch): names
// below it are looked up only in what the layer wrote.
const noTree = "/nonexistent/skiff-empty-tree"

// view is the tree as the layer leaves it so far: this layer's entries
// over the image's tree. Paths resolve through it (securejoin's VFS), so
// a symlink written earlier in the same layer (an ADDed archive's) is
// followed inside the image, as the extraction docker does in the
// container's root would follow it, and never out of it.
type view struct{ w *layerWriter }

func (w *layerWriter) top() string {
	if w.root == "" {
		return noTree
	}
	return w.root
}

func (v view) rel(name string) string {
	return path.Clean(strings.TrimLeft(strings.TrimPrefix(name, v.w.top()), "/"))
}

func (v view) Lstat(name string) (os.FileInfo, error) {
	rel := v.rel(name)
	if e, ok := v.w.wrote[rel]; ok {
		return e, nil
	}
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if e, ok := v.w.wrote[d]; ok && !e.IsDir() {
			return nil, &fs.PathError{Op: "lstat", Path: name, Err: syscall.ENOTDIR}
		}
	}
	if v.w.root == "" {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrNotExist}
	}
	return os.Lstat(name)
}

func (v view) Readlink(name string) (string, error) {
	if e, ok := v.w.wrote[v.rel(name)]; ok {
		if e.mode&fs.ModeSymlink == 0 {
			return "", &fs.PathError{Op: "readlink", Path: name, Err: syscall.EINVAL}
		}
		return e.target, nil
	}
	return os.Readlink(name)
}

// join resolves abs inside the tree, every symlink followed.
func (w *layerWriter) join(abs string) (string, error) {
	full, err := securejoin.SecureJoinVFS(w.top(), abs, view{w})
	if err != nil {
		return "", err
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(full, w.top()), "/")
	if rel == "" {
		rel = "."
	}
	return rel, nil
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
	rel, err := w.join(dir)
	if err != nil {
		return "", err
	}
	return path.Join(rel, base), nil
}

// stat describes rel (a name in the layer) as the layer leaves it, a
// symlink followed inside the tree.
func (w *layerWriter) stat(rel string) (fs.FileInfo, bool) {
	r, err := w.join(rel)
	if err != nil {
		return nil, false
	}
	st, err := view{w}.Lstat(path.Join(w.top(), r))
	return st, err == nil
}

func (w *layerWriter) isDir(abs string) bool {
	rel, err := w.resolve(abs)
	if err != nil {
		return false
	}
	st, ok := w.stat(rel)
	return ok && st.IsDir()
}

// header writes an entry of the layer and remembers it.
func (w *layerWriter) header(h *tar.Header) error {
	name := strings.TrimSuffix(h.Name, "/")
	if e, ok := w.wrote[name]; ok && !(e.IsDir() && h.Typeflag == tar.TypeDir) {
		return &copyError{fmt.Sprintf("/%s is written twice by this step: skiff cannot store both in one layer", name)}
	}
	e := wrote{mode: 0}
	switch h.Typeflag {
	case tar.TypeDir:
		if _, ok := w.wrote[name]; ok {
			return nil // already written by this layer
		}
		e.mode = fs.ModeDir
	case tar.TypeSymlink:
		e.mode, e.target = fs.ModeSymlink, h.Linkname
	}
	w.wrote[name] = e
	return w.tw.WriteHeader(h)
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
		link, err := w.resolve(path.Join("/"+rel, comp))
		if err != nil {
			return "", err
		}
		// a symlink (a dangling one too) leads to the directory to make
		if rel, err = w.join(link); err != nil {
			return "", err
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
	h := &tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: tarMode(mode), Uid: w.uid, Gid: w.gid, ModTime: mtime}
	return w.header(h)
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
		return w.copyFile(target, fsys, p, info)
	})
}

// copyFile writes one file (or symlink) at target: src read through
// fsys (nil: a file of skiff's own, a download).
func (w *layerWriter) copyFile(target string, fsys *buildctx.FS, src string, info fs.FileInfo) error {
	if _, err := w.mkdirAll(path.Dir(target)); err != nil {
		return err
	}
	rel, err := w.resolve(target)
	if err != nil {
		return err
	}
	if st, ok := w.stat(rel); ok && st.IsDir() {
		return &copyError{fmt.Sprintf("cannot replace the directory /%s with a file", rel)}
	}
	h := &tar.Header{Name: rel, Mode: tarMode(info.Mode()), Uid: w.uid, Gid: w.gid, ModTime: info.ModTime()}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		if fsys == nil {
			return fmt.Errorf("%s: unexpected symlink", src)
		}
		t, err := fsys.Readlink(src)
		if err != nil {
			return err
		}
		h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, t, 0o777
		return w.header(h)
	case !info.Mode().IsRegular():
		return nil // devices, sockets and pipes are not copied
	}
	if w.chmod != nil {
		h.Mode = tarMode(*w.chmod)
	}
	f, err := openSource(fsys, src)
	if err != nil {
		return err
	}
	defer f.Close()
	h.Typeflag, h.Size = tar.TypeReg, info.Size()
	if err := w.header(h); err != nil {
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
	if err := w.header(h); err != nil {
		return err
	}
	_, err = io.WriteString(w.tw, data)
	return err
}

// addFileOrArchive is ADD of a local file: a tar archive (plain, gzip,
// bzip2, xz, zstd: recognized by content, not name) is unpacked into the
// destination; anything else is copied.
func (w *layerWriter) addFileOrArchive(fsys *buildctx.FS, m buildctx.Source, dest string, destDir bool) error {
	f, err := openSource(fsys, m.Path)
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
	return w.copyFile(w.fileTarget(dest, path.Base(m.Rel), destDir), fsys, m.Path, m.Info)
}

func openSource(fsys *buildctx.FS, p string) (*os.File, error) {
	if fsys == nil {
		return os.Open(p)
	}
	return fsys.Open(p)
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
	case tar.TypeLink:
		if out.Linkname, err = w.resolve(path.Join(dest, path.Clean("/"+h.Linkname))); err != nil {
			return err
		}
		// a layer is stored on its own: a hard link can only join a file
		// the archive itself wrote before
		if e, ok := w.wrote[out.Linkname]; !ok || e.mode&(fs.ModeDir|fs.ModeSymlink) != 0 {
			return &copyError{fmt.Sprintf("the archive's hard link %s points to %s, which is not a file the archive holds before it", h.Name, h.Linkname)}
		}
	}
	if w.uid != 0 || w.gid != 0 {
		out.Uid, out.Gid = w.uid, w.gid
	}
	out.Uname, out.Gname = "", ""
	if err := w.header(&out); err != nil {
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
