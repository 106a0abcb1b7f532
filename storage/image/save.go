package image

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/storage"
)

// Archive formats of save and load.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
)

// SaveOptions say where and how `save` writes.
type SaveOptions struct {
	// Format is FormatDockerArchive (default) or FormatOCIArchive.
	Format string
	// Path is the file to write (replaced atomically); when "", the
	// archive goes to Output.
	Path   string
	Output io.Writer
}

// saveItem is one image of an archive with the names it is saved under.
type saveItem struct {
	id   string
	tags []reference.NamedTagged
}

// Save writes the images to one archive. A name without a tag saves
// every tag of that repository, as docker does; an ID saves the image
// without names.
func Save(ctx context.Context, s *storage.Store, sys *types.SystemContext, names []string, opts SaveOptions) error {
	switch opts.Format {
	case "", FormatDockerArchive, "docker":
		opts.Format = FormatDockerArchive
	case FormatOCIArchive, "oci":
		opts.Format = FormatOCIArchive
	default:
		return errdefs.Invalid("unknown archive format %q: use docker-archive or oci-archive", opts.Format)
	}
	items, err := saveItems(s, names)
	if err != nil {
		return err
	}
	ws, err := beginWrite(s, sys)
	if err != nil {
		return err
	}
	defer ws.end(s, false)
	out := filepath.Join(ws.tmp, "archive.tar")
	if opts.Path != "" {
		f, err := os.CreateTemp(filepath.Dir(opts.Path), ".skiff-save-*")
		if err != nil {
			return fmt.Errorf("saving to %s: %w", opts.Path, err)
		}
		f.Close()
		out = f.Name()
		_ = os.Chmod(out, 0o644)
		defer os.Remove(out)
	}
	if opts.Format == FormatOCIArchive {
		err = saveOCI(ctx, s, ws, items, out)
	} else {
		err = saveDocker(ctx, s, ws.sys, items, out)
	}
	if err != nil {
		return err
	}
	if opts.Path != "" {
		return os.Rename(out, opts.Path)
	}
	return copyFileTo(out, opts.Output)
}

// saveItems resolves the names into images, grouping names of one image.
func saveItems(s *storage.Store, names []string) ([]*saveItem, error) {
	var items []*saveItem
	byID := map[string]*saveItem{}
	add := func(id string, tag reference.NamedTagged) {
		it := byID[id]
		if it == nil {
			it = &saveItem{id: id}
			byID[id] = it
			items = append(items, it)
		}
		if tag != nil {
			it.tags = append(it.tags, tag)
		}
	}
	for _, name := range names {
		if raw, err := reference.ParseNormalizedNamed(name); err == nil && reference.IsNameOnly(raw) {
			if found := addRepoTags(s, raw, add); found {
				continue
			}
		}
		img, named, err := Find(s, name)
		if err != nil {
			return nil, err
		}
		tagged, _ := named.(reference.NamedTagged)
		if _, digested := named.(reference.Canonical); digested {
			tagged = nil
		}
		add(img.ID, tagged)
	}
	return items, nil
}

// addRepoTags adds every image tagged in repo's repository.
func addRepoTags(s *storage.Store, repo reference.Named, add func(string, reference.NamedTagged)) bool {
	imgs, err := s.Images()
	if err != nil {
		return false
	}
	found := false
	for _, img := range imgs {
		tags, _ := splitNames(img.Names)
		for _, t := range tags {
			if t.Named.Name() == repo.Name() {
				add(img.ID, t.Named.(reference.NamedTagged))
				found = true
			}
		}
	}
	return found
}

func acceptAnything() (*signature.PolicyContext, error) {
	return signature.NewPolicyContext(&signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}})
}

func saveDocker(ctx context.Context, s *storage.Store, sys *types.SystemContext, items []*saveItem, path string) error {
	w, err := archive.NewWriter(sys, path)
	if err != nil {
		return fmt.Errorf("saving: %w", err)
	}
	for _, it := range items {
		dest, err := w.NewReference(nil)
		if err == nil {
			isys := *sys
			isys.DockerArchiveAdditionalTags = it.tags // all names in one copy
			err = copyFromStore(ctx, s, &isys, it.id, dest)
		}
		if err != nil {
			w.Close()
			return storageError("saving image", ShortID(it.id), err)
		}
	}
	return w.Close()
}

// copyFromStore copies image id from the store to dest.
func copyFromStore(ctx context.Context, s *storage.Store, sys *types.SystemContext, id string, dest types.ImageReference) error {
	src, err := istorage.Transport.NewStoreReference(s.Store, nil, id)
	if err != nil {
		return err
	}
	policy, err := acceptAnything()
	if err != nil {
		return err
	}
	defer func() { _ = policy.Destroy() }()
	_, err = copy.Image(ctx, policy, dest, src, &copy.Options{SourceCtx: sys, DestinationCtx: sys})
	return err
}

func saveOCI(ctx context.Context, s *storage.Store, ws *writeSession, items []*saveItem, path string) error {
	dir := filepath.Join(ws.tmp, "oci")
	for _, it := range items {
		names := []string{""}
		if len(it.tags) > 0 {
			names = names[:0]
			for _, t := range it.tags {
				names = append(names, t.String())
			}
		}
		for _, n := range names {
			dest, err := layout.NewReference(dir, n)
			if err != nil {
				return err
			}
			if err := copyFromStore(ctx, s, ws.sys, it.id, dest); err != nil {
				return storageError("saving image", ShortID(it.id), err)
			}
		}
	}
	return tarDir(dir, path)
}

// tarDir writes the directory tree dir as a tar archive at path.
func tarDir(dir, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr.Name = filepath.ToSlash(rel)
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil || !info.Mode().IsRegular() {
			return err
		}
		return copyFileTo(p, tw)
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func copyFileTo(path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
