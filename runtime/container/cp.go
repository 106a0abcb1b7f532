package container

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/idtools"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// CopyOptions are cp's flags and streams.
type CopyOptions struct {
	// FollowLink is -L: a symlink as the source copies what it points to.
	FollowLink bool
	// Archive is -a: files copied into a container belong to its user.
	Archive bool
	// Stdin is the tar stream of `cp - CONTAINER:PATH`; Stdout receives
	// the one of `cp CONTAINER:PATH -`.
	Stdin  io.Reader
	Stdout io.Writer
	// InUserNS makes extraction skip what a user namespace cannot create
	// (device nodes).
	InUserNS bool
	// Pause freezes a running container during the copy where skiff can
	// freeze it (podman's cp --pause).
	Pause bool
}

// pauseFor freezes c for a copy when o asks; thaw undoes it.
func (c *Container) pauseFor(o CopyOptions) (thaw func(), err error) {
	if !o.Pause || c.State.Status != StatusRunning {
		return func() {}, nil
	}
	return c.pauseDuring(false)
}

// CopyFrom copies the container's srcPath to the host path dst, or as a
// tar stream to o.Stdout when dst is "-", following docker's path rules.
// It returns the number of bytes of the tar stream.
func CopyFrom(e *engine.Engine, ref, srcPath, dst string, o CopyOptions) (int64, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return 0, err
	}
	thaw, err := c.pauseFor(o)
	if err != nil {
		return 0, err
	}
	defer thaw()
	var n int64
	err = c.withView(viewBinds, func(v *fsView) error {
		info, tarDir, tarOpts, err := v.sourceInfo(srcPath, o.FollowLink)
		if err != nil {
			return err
		}
		var rc io.ReadCloser
		if info.RebaseName != "" { // a symlink, copied as such
			rc, err = symlinkTar(filepath.Join(tarDir, tarOpts.IncludeFiles[0]), info.RebaseName)
			info.RebaseName = ""
		} else {
			rc, err = chrootarchive.Tar(tarDir, tarOpts, v.Root)
		}
		if err != nil {
			return err
		}
		defer rc.Close()
		counted := &countReader{r: rc}
		if dst == "-" {
			_, err = io.Copy(o.Stdout, counted)
		} else {
			err = archive.CopyTo(counted, info, dst)
		}
		n = counted.n
		return copyError(err, dst)
	})
	return n, err
}

// sourceInfo resolves a container source path as docker does: symlinks
// before the last element always, the last one only with -L; trailing "/"
// and "/." kept. It returns the copy info (named as the user asked), and
// what to tar.
func (v *fsView) sourceInfo(p string, follow bool) (archive.CopyInfo, string, *archive.TarOptions, error) {
	if !filepath.IsAbs(p) {
		p = "/" + p
	}
	clean := archive.PreserveTrailingDotOrSeparator(filepath.Clean(p), p)
	var host string
	var err error
	if follow {
		host, err = v.hostPath(clean)
	} else {
		dir, base := filepath.Split(clean)
		host, err = v.hostPath(dir)
		host = strings.TrimSuffix(host, "/") + "/" + base
	}
	if err != nil {
		return archive.CopyInfo{}, "", nil, err
	}
	host = archive.PreserveTrailingDotOrSeparator(host, clean)
	st, err := os.Lstat(host)
	if err != nil {
		return archive.CopyInfo{}, "", nil, errdefs.NotFound("Could not find the file %s in container %s", p, v.c.Name)
	}
	tarDir, base := archive.SplitPathDirEntry(host)
	_, wantBase := archive.SplitPathDirEntry(clean)
	if wantBase == "." || base == "." {
		wantBase = base
	}
	opts := &archive.TarOptions{
		Compression: archive.Uncompressed, IncludeFiles: []string{base}, IncludeSourceDir: true,
		RebaseNames: map[string]string{base: wantBase},
	}
	if clean == "/" {
		opts.RebaseNames = nil
	}
	info := archive.CopyInfo{Path: clean, Exists: true, IsDir: st.IsDir()}
	if st.Mode()&os.ModeSymlink != 0 {
		info.RebaseName = wantBase // marks the symlink for CopyFrom
	}
	return info, tarDir, opts, nil
}

// CopyTo copies the host path src (or the tar stream o.Stdin when src is
// "-") to the container's dstPath, following docker's path rules.
func CopyTo(e *engine.Engine, ref, src, dstPath string, o CopyOptions) (int64, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return 0, err
	}
	thaw, err := c.pauseFor(o)
	if err != nil {
		return 0, err
	}
	defer thaw()
	var srcInfo archive.CopyInfo
	if src != "-" {
		p := archive.PreserveTrailingDotOrSeparator(filepath.Clean(src), src)
		if srcInfo, err = archive.CopyInfoSourcePath(p, o.FollowLink); err != nil {
			return 0, err
		}
	}
	var n int64
	err = c.withView(viewBinds|viewWrites, func(v *fsView) error {
		dstInfo, err := v.destinationInfo(dstPath)
		if err != nil {
			return err
		}
		var content io.Reader
		var dstDir string
		if src == "-" {
			if !dstInfo.IsDir {
				return errdefs.Invalid("destination \"%s:%s\" must be a directory", ref, dstPath)
			}
			content, dstDir = o.Stdin, dstInfo.Path
		} else {
			rc, err := tarSource(srcInfo)
			if err != nil {
				return err
			}
			defer rc.Close()
			dir, prepared, err := archive.PrepareArchiveCopy(rc, srcInfo, dstInfo)
			if err != nil {
				return copyError(err, dstPath)
			}
			defer prepared.Close()
			content, dstDir = prepared, dir
		}
		counted := &countReader{r: content}
		err = v.extract(counted, dstDir, o)
		n = counted.n
		return err
	})
	return n, err
}

// destinationInfo stats a container destination path: a symlink as the
// last element is followed once, as docker's CLI does.
func (v *fsView) destinationInfo(p string) (archive.CopyInfo, error) {
	if !filepath.IsAbs(p) {
		p = "/" + p
	}
	clean := archive.PreserveTrailingDotOrSeparator(filepath.Clean(p), p)
	info := archive.CopyInfo{Path: clean}
	dir, base := filepath.Split(filepath.Clean(p))
	hostDir, err := v.hostPath(dir)
	if err != nil {
		return info, err
	}
	host := filepath.Join(hostDir, base)
	st, err := os.Lstat(host)
	if err == nil && st.Mode()&os.ModeSymlink != 0 {
		target, rerr := os.Readlink(host)
		if rerr != nil {
			return info, rerr
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		info.Path = target
		host, err = v.hostPath(target)
		if err == nil {
			st, err = os.Stat(host)
		}
	}
	if err == nil {
		info.Exists, info.IsDir = true, st.IsDir()
	}
	return info, nil
}

// extract unpacks a tar stream into the container directory dir, chrooted
// into the container's root.
func (v *fsView) extract(content io.Reader, dir string, o CopyOptions) error {
	host, err := v.hostPath(dir)
	if err != nil {
		return err
	}
	st, err := os.Stat(host)
	if err != nil {
		return errdefs.NotFound("Could not find the file %s in container %s", dir, v.c.Name)
	}
	if !st.IsDir() {
		return errdefs.Invalid("extraction point is not a directory")
	}
	if err := v.checkWritable(host); err != nil {
		return err
	}
	opts := &archive.TarOptions{NoOverwriteDirNonDir: true, InUserNS: o.InUserNS}
	if o.Archive && v.c.Config.User != "" {
		u, err := spec.ResolveUser(v.Root, v.c.Config.User)
		if err != nil {
			return err
		}
		opts.ChownOpts = &idtools.IDPair{UID: int(u.UID), GID: int(u.GID)}
	}
	if err := untarInRoot(content, v.Root, host, opts); err != nil {
		return fmt.Errorf("copying into %s: %w", dir, err)
	}
	return nil
}

// untarInRoot unpacks a tar stream (cp's, hostile or not) into the
// directory host under the container root root, in a process chrooted
// into root: whatever its entries say (.., absolute names, a symlink and
// then a file through it, hard links out), nothing lands outside root.
func untarInRoot(content io.Reader, root, host string, opts *archive.TarOptions) error {
	return chrootarchive.UntarWithRoot(content, host, opts, root)
}

// tarSource is archive.TarResource, except that a symlink given as the
// source is archived as the link itself.
func tarSource(info archive.CopyInfo) (io.ReadCloser, error) {
	if fi, err := os.Lstat(info.Path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		name := info.RebaseName
		if name == "" {
			_, name = archive.SplitPathDirEntry(info.Path)
		}
		return symlinkTar(info.Path, name)
	}
	return archive.TarResource(info)
}

// symlinkTar is a tar stream of one symlink named name.
func symlinkTar(path, name string) (io.ReadCloser, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	target, err := os.Readlink(path)
	if err != nil {
		return nil, err
	}
	h, err := tar.FileInfoHeader(fi, target)
	if err != nil {
		return nil, err
	}
	h.Name = name
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		h.Uid, h.Gid = int(st.Uid), int(st.Gid)
	}
	h.Uname, h.Gname = "", ""
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(h); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return io.NopCloser(&buf), nil
}

// copyError words the archive package's sentinels as docker's CLI does.
func copyError(err error, dst string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, archive.ErrDirNotExists):
		return errdefs.Invalid("destination directory %q must exist: create it first", dst)
	case errors.Is(err, archive.ErrCannotCopyDir):
		return errdefs.Invalid("cannot copy a directory to an existing file: %s", dst)
	case errors.Is(err, archive.ErrNotDirectory):
		return errdefs.Invalid("the parent of %s is not a directory", dst)
	}
	return err
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
