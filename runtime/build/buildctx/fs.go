package buildctx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/patternmatcher"
	"golang.org/x/sys/unix"
)

// FS is a tree sources are copied from: the build context (with its
// .dockerignore) or another stage's or image's root filesystem (no
// ignore; symlinks resolve inside Root).
type FS struct {
	Root   string
	Ignore *patternmatcher.PatternMatcher
	// digests remembers file digests between builds (context only).
	digests *statCache
}

// Source is one path a COPY source pattern matched.
type Source struct {
	// Rel is the path relative to the root, Path the file on disk (a
	// top-level symlink followed).
	Rel  string
	Path string
	Info fs.FileInfo
}

// ErrNotFound is a source that matched nothing (or only ignored files).
var ErrNotFound = errors.New("file not found in build context or excluded by .dockerignore")

func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// Match resolves one source pattern: a path, or a glob (filepath.Match
// per component) matching files and directories not ignored.
func (f *FS) Match(pattern string) ([]Source, error) {
	p := clean(pattern)
	if !hasGlob(p) {
		s, err := f.stat(p)
		if err != nil {
			return nil, err
		}
		return []Source{s}, nil
	}
	var out []Source
	err := f.glob(".", strings.Split(p, "/"), &out)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no file matches %s", ErrNotFound, pattern)
	}
	return out, nil
}

func (f *FS) glob(dir string, parts []string, out *[]Source) error {
	if len(parts) == 0 {
		if s, err := f.stat(dir); err == nil {
			*out = append(*out, s)
		}
		return nil
	}
	if !hasGlob(parts[0]) {
		return f.glob(join(dir, parts[0]), parts[1:], out)
	}
	full, err := securejoin.SecureJoin(f.Root, dir)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(full)
	if err != nil {
		return nil // no match below a missing directory
	}
	for _, e := range ents {
		ok, err := filepath.Match(parts[0], e.Name())
		if err != nil {
			return fmt.Errorf("bad source pattern %q: %w", parts[0], err)
		}
		if ok {
			if err := f.glob(join(dir, e.Name()), parts[1:], out); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// stat finds rel, following symlinks inside the root; an ignored path
// (or one below an ignored directory with no exception) is not found.
func (f *FS) stat(rel string) (Source, error) {
	if rel != "." && f.ignored(rel) && !f.hasException(rel) {
		return Source{}, fmt.Errorf("%w: %s", ErrNotFound, rel)
	}
	p, err := securejoin.SecureJoin(f.Root, rel)
	if err != nil {
		return Source{}, err
	}
	info, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Source{}, fmt.Errorf("%w: %s", ErrNotFound, rel)
		}
		return Source{}, err
	}
	return Source{Rel: rel, Path: p, Info: info}, nil
}

// Ignored reports whether the .dockerignore leaves out rel (a path
// relative to the root, with /), or a directory above it.
func (f *FS) Ignored(rel string) bool { return f.ignored(rel) }

func (f *FS) ignored(rel string) bool {
	if f.Ignore == nil {
		return false
	}
	ok, _ := f.Ignore.MatchesOrParentMatches(rel)
	return ok
}

// hasException reports whether an exception pattern (!path) may bring
// back something below the ignored directory rel.
func (f *FS) hasException(rel string) bool {
	if f.Ignore == nil || !f.Ignore.Exclusions() {
		return false
	}
	for _, pat := range f.Ignore.Patterns() {
		if !pat.Exclusion() {
			continue
		}
		ps := pat.String()
		if strings.HasPrefix(ps+"/", rel+"/") || strings.HasPrefix(rel+"/", ps+"/") || hasGlob(ps) {
			return true
		}
	}
	return false
}

// Walk calls fn for s and, for a directory, everything below it that is
// not ignored, parents before children, in lexical order; rel is
// relative to s ("." for s itself). Symlinks below s are not followed.
func (f *FS) Walk(s Source, fn func(rel, path string, info fs.FileInfo) error) error {
	if err := fn(".", s.Path, s.Info); err != nil {
		return err
	}
	if !s.Info.IsDir() {
		return nil
	}
	return f.walkDir(s.Rel, s.Path, ".", fn)
}

func (f *FS) walkDir(rootRel, path, rel string, fn func(rel, path string, info fs.FileInfo) error) error {
	d, err := f.openat(path, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	ents, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return err
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		r := join(rel, e.Name())
		ctxRel := join(rootRel, r)
		if rootRel == "." {
			ctxRel = r
		}
		p := filepath.Join(path, e.Name())
		ignored := f.ignored(ctxRel)
		if ignored && !(e.IsDir() && f.hasException(ctxRel)) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		if !ignored {
			if err := fn(r, p, info); err != nil {
				return err
			}
		}
		if e.IsDir() {
			if err := f.walkDir(rootRel, p, r, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Digest is the content digest of sources as COPY would copy them: the
// relative names, types, modes, link targets and file contents (not
// owners or times, as docker's cache ignores them).
func (f *FS) Digest(sources []Source) (string, error) {
	h := sha256.New()
	for _, s := range sources {
		fmt.Fprintf(h, "source %s\n", s.Rel)
		err := f.Walk(s, func(rel, path string, info fs.FileInfo) error {
			fmt.Fprintf(h, "%s %o", rel, uint32(info.Mode()))
			switch {
			case info.Mode()&fs.ModeSymlink != 0:
				t, err := f.Readlink(path)
				if err != nil {
					return err
				}
				fmt.Fprintf(h, " -> %s", t)
			case info.Mode().IsRegular():
				sum, err := f.fileDigest(path, info)
				if err != nil {
					return err
				}
				fmt.Fprintf(h, " %s", sum)
			}
			h.Write([]byte{'\n'})
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (f *FS) fileDigest(path string, info fs.FileInfo) (string, error) {
	if sum, ok := f.digests.lookup(path, info); ok {
		return sum, nil
	}
	r, err := f.Open(path)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	f.digests.store(path, info, sum)
	return sum, nil
}

// Open opens a file Match or Walk found (p, below Root) for reading. The
// path is resolved again inside Root (openat2's RESOLVE_IN_ROOT): a
// directory swapped for a symlink since it was listed leads nowhere
// outside the tree, and a file swapped for a symlink is refused.
func (f *FS) Open(p string) (*os.File, error) {
	return f.openat(p, unix.O_RDONLY|unix.O_NOFOLLOW)
}

// Readlink reads a symlink Walk found, resolved as Open resolves.
func (f *FS) Readlink(p string) (string, error) {
	l, err := f.openat(p, unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return "", err
	}
	defer l.Close()
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(int(l.Fd()), "", buf)
		if err != nil {
			return "", &fs.PathError{Op: "readlink", Path: p, Err: err}
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

func (f *FS) openat(p string, flags int) (*os.File, error) {
	rel, err := filepath.Rel(f.Root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return nil, fmt.Errorf("%s is outside %s", p, f.Root)
	}
	root, err := unix.Open(f.Root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: f.Root, Err: err}
	}
	defer unix.Close(root)
	fd, err := unix.Openat2(root, rel, &unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return os.NewFile(uintptr(fd), p), nil
}
