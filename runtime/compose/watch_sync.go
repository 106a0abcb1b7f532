package compose

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// syncInto makes the container's copy of the rule's changed paths (rels,
// relative to its path) what the host has: what exists is copied to the
// target, as `cp` copies (one tar stream, files owned by the
// container's root), and what no longer exists is removed there with
// rm -rf, as docker compose removes it.
func syncInto(ctx context.Context, e *engine.Engine, c *container.Container, r *watchRule, rels []string) error {
	var present, gone []string
	for _, rel := range collapse(rels) {
		if _, err := os.Lstat(filepath.Join(r.Path, filepath.FromSlash(rel))); errors.Is(err, os.ErrNotExist) {
			gone = append(gone, path.Join(r.Target, rel))
		} else {
			present = append(present, rel)
		}
	}
	if len(present) > 0 {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeSyncTar(pw, r, present)) }()
		_, err := container.CopyTo(e, c.ID, "-", "/", container.CopyOptions{Stdin: pr, InUserNS: e.Rootless()})
		pr.CloseWithError(err)
		if err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		code, err := container.Exec(ctx, e, c.ID, container.ExecOptions{Cmd: append([]string{"rm", "-rf", "--"}, gone...)})
		if err != nil {
			return fmt.Errorf("removing %s: %w", strings.Join(gone, " "), err)
		}
		if code != 0 {
			return fmt.Errorf("removing %s: rm exited with %d", strings.Join(gone, " "), code)
		}
	}
	return nil
}

// collapse drops the paths below another path of the list (a directory
// synced whole), sorted.
func collapse(rels []string) []string {
	sorted := slices.Clone(rels)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var out []string
	for _, rel := range sorted {
		if slices.ContainsFunc(out, func(parent string) bool {
			return parent == "." || strings.HasPrefix(rel, parent+"/")
		}) {
			continue
		}
		out = append(out, rel)
	}
	return out
}

// writeSyncTar writes the rule's paths (directories with what they hold
// that the rule does not ignore) as a tar stream of absolute container
// paths: target/rel.
func writeSyncTar(w io.Writer, r *watchRule, rels []string) error {
	tw := tar.NewWriter(w)
	for _, rel := range rels {
		root := filepath.Join(r.Path, filepath.FromSlash(rel))
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return nil // removed meanwhile: the next batch says so
				}
				return err
			}
			if p != root && !r.matches(p) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			sub, _ := r.rel(p)
			return addSyncEntry(tw, p, path.Join(r.Target, sub))
		})
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// addSyncEntry adds the host file p as name (absolute, in the
// container) to the stream; sockets and devices are skipped.
func addSyncEntry(tw *tar.Writer, p, name string) error {
	info, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	link := ""
	switch {
	case info.Mode()&os.ModeSymlink != 0:
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	case !info.Mode().IsRegular() && !info.IsDir():
		return nil
	}
	h, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	h.Name = strings.TrimPrefix(name, "/")
	if info.IsDir() {
		h.Name += "/"
	}
	h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyN(tw, f, h.Size)
	return err
}
