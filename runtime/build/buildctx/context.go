// Package buildctx is a build's context: the directory (or unpacked tar)
// COPY and ADD read from, its .dockerignore, and the resolution of
// Dockerfile source patterns to files with the content digests the build
// cache keys on. Only the files a build names are read: an ignored
// directory is never walked.
//
// It imports no skiff package but internal/errdefs.
package buildctx

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"go.podman.io/image/v5/pkg/compression"
)

// OpenOptions say where the context and the Dockerfile are.
type OpenOptions struct {
	// Path is a directory, a tar file (plain or compressed), or "-" for a
	// tar on Stdin.
	Path  string
	Stdin io.Reader
	// Dockerfile is -f: "" (PATH/Dockerfile), "-" (DockerfileData holds
	// it), or a path: relative to the working directory for a directory
	// context, inside the archive for a tar context.
	Dockerfile     string
	DockerfileData []byte
	// TempDir receives an unpacked tar context (removed by Close).
	TempDir string
	// StatCache is a file remembering content digests by path, size,
	// mtime and inode, so unchanged files are not read again ("": none).
	StatCache string
}

// Context is an opened build context.
type Context struct {
	FS
	// Dockerfile is the Dockerfile's content; DockerfileName its name in
	// messages.
	Dockerfile     []byte
	DockerfileName string
	tmp            string
}

// Open opens the context and reads the Dockerfile and .dockerignore.
func Open(o OpenOptions) (*Context, error) {
	c := &Context{}
	dir, err := c.root(o)
	if err != nil {
		return nil, err
	}
	c.Root = dir
	if err := c.readDockerfile(o); err != nil {
		c.Close()
		return nil, err
	}
	if c.tmp == "" {
		c.digests = loadStatCache(o.StatCache)
	} else {
		c.digests = loadStatCache("") // an unpacked tar is new each time
	}
	return c, nil
}

// Close removes an unpacked tar context and saves the stat cache.
func (c *Context) Close() {
	if c.digests != nil {
		c.digests.save()
	}
	if c.tmp != "" {
		os.RemoveAll(c.tmp)
	}
}

func (c *Context) root(o OpenOptions) (string, error) {
	if o.Path == "-" {
		if o.Dockerfile == "-" {
			return "", errors.New("the Dockerfile and the context cannot both come from standard input")
		}
		return c.unpack(o.Stdin, "standard input", o.TempDir)
	}
	st, err := os.Stat(o.Path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("unable to prepare context: path %q not found", o.Path)
		}
		return "", fmt.Errorf("unable to prepare context: %w", err)
	}
	if st.IsDir() {
		return filepath.Abs(o.Path)
	}
	f, err := os.Open(o.Path)
	if err != nil {
		return "", fmt.Errorf("unable to prepare context: %w", err)
	}
	defer f.Close()
	return c.unpack(f, o.Path, o.TempDir)
}

// unpack extracts a tar context (any compression) into a private
// directory.
func (c *Context) unpack(r io.Reader, what, tempDir string) (string, error) {
	if r == nil {
		return "", fmt.Errorf("unable to prepare context: nothing on %s", what)
	}
	plain, _, err := compression.AutoDecompress(r)
	if err != nil {
		return "", fmt.Errorf("unable to prepare context: %s is not a directory or a tar archive", what)
	}
	defer plain.Close()
	if tempDir != "" {
		if err := os.MkdirAll(tempDir, 0o700); err != nil {
			return "", err
		}
	}
	dir, err := os.MkdirTemp(tempDir, "context-")
	if err != nil {
		return "", err
	}
	c.tmp = dir
	if err := extract(tar.NewReader(plain), dir); err != nil {
		return "", fmt.Errorf("unable to prepare context: %s is not a directory or a readable tar archive: %v", what, err)
	}
	return dir, nil
}

// extract writes a tar stream under dir (owners are not kept: a build
// sets its own), refusing paths that leave dir.
func extract(tr *tar.Reader, dir string) error {
	n := 0
	for ; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			if n == 0 {
				return errors.New("empty archive")
			}
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean("/" + h.Name)
		p := filepath.Join(dir, name)
		if name == "/" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(h.Mode).Perm() | os.FileMode(h.Mode)&(os.ModeSetuid|os.ModeSetgid|os.ModeSticky)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			err = os.Chmod(p, mode)
		case tar.TypeReg:
			err = writeFile(p, tr, mode)
		case tar.TypeSymlink:
			os.Remove(p)
			err = os.Symlink(h.Linkname, p)
		case tar.TypeLink:
			os.Remove(p)
			err = os.Link(filepath.Join(dir, filepath.Clean("/"+h.Linkname)), p)
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeSymlink {
			_ = os.Chtimes(p, h.ModTime, h.ModTime)
		}
	}
}

func writeFile(p string, r io.Reader, mode os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

// readDockerfile reads the Dockerfile and the .dockerignore that goes
// with it: DOCKERFILE.dockerignore beside it, else the context's.
func (c *Context) readDockerfile(o OpenOptions) error {
	var path string
	switch {
	case o.Dockerfile == "-":
		c.Dockerfile, c.DockerfileName = o.DockerfileData, "Dockerfile"
	case o.Dockerfile == "":
		path = filepath.Join(c.Root, "Dockerfile")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if _, err := os.Stat(filepath.Join(c.Root, "dockerfile")); err == nil {
				path = filepath.Join(c.Root, "dockerfile")
			}
		}
	case c.tmp != "":
		path = filepath.Join(c.Root, filepath.Clean("/"+o.Dockerfile))
	default:
		path = o.Dockerfile
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("cannot read the Dockerfile: %s does not exist; give its path with -f", path)
			}
			return fmt.Errorf("cannot read the Dockerfile: %w", err)
		}
		c.Dockerfile, c.DockerfileName = b, filepath.Base(path)
	}
	return c.readIgnore(ignoreFile(c.Root, path))
}

// ignoreFile is the .dockerignore that goes with the Dockerfile at path
// ("": none): PATH.dockerignore beside it, else the context's.
func ignoreFile(root, path string) string {
	if path != "" {
		if _, err := os.Stat(path + ".dockerignore"); err == nil {
			return path + ".dockerignore"
		}
	}
	return filepath.Join(root, ".dockerignore")
}

// IgnoreFor is the .dockerignore a build of the directory dir with the
// Dockerfile at dockerfile ("": dir's own) would apply, as the FS of
// that context: for callers that need to know what a build leaves out
// without building (compose watch). Its Ignore is nil when there is none.
func IgnoreFor(dir, dockerfile string) (*FS, error) {
	if dockerfile == "" {
		dockerfile = filepath.Join(dir, "Dockerfile")
	}
	c := &Context{FS: FS{Root: dir}}
	if err := c.readIgnore(ignoreFile(dir, dockerfile)); err != nil {
		return nil, err
	}
	return &c.FS, nil
}

func (c *Context) readIgnore(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if len(patterns) == 0 {
		return nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	c.Ignore = pm
	return nil
}

// clean makes a source path relative to the root, "." for the root.
func clean(p string) string {
	p = filepath.Clean("/" + p)
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}
