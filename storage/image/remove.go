package image

import (
	"context"
	"slices"

	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/storage"
)

// RemoveOptions are the choices of `rmi`.
type RemoveOptions struct {
	// Force removes an image by ID even when it has several names, and
	// untags an image a container uses (the image itself stays until the
	// container is removed).
	Force bool
	// AllNames, given an ID, removes the image whatever names it has
	// (podman's rmi -a); a container using it still refuses.
	AllNames bool
}

// RemoveReport lists, in docker's words, what a removal did.
type RemoveReport struct {
	Untagged []string // familiar names removed
	Deleted  []string // "sha256:…" of the image, then of its layers
}

// Tag gives the image source the name target (default tag "latest"); the
// name moves from any image that had it.
func Tag(s *storage.Store, source, target string) error {
	t, err := NormalizeTag(target)
	if err != nil {
		return err
	}
	return withNames(s, func() error {
		img, _, err := Find(s, source)
		if err != nil {
			return err
		}
		if err := s.AddNames(img.ID, []string{t.String()}); err != nil {
			return storageError("tagging", source, err)
		}
		return nil
	})
}

// Remove removes one name of an image and, when it was the last and no
// container uses the image, the image; given an ID it removes the image
// with all its names. It follows docker's rules and wording. It decides
// on the names it reads holding the names lock (names.go), and an image
// a pull or load is writing at the same time loses its names but stays
// for that pull to name.
func Remove(ctx context.Context, s *storage.Store, name string, opts RemoveOptions) (rep *RemoveReport, err error) {
	err = WithWriteLock(s, func() error {
		return withNames(s, func() error {
			rep, err = remove(s, name, opts)
			return err
		})
	})
	return rep, err
}

func remove(s *storage.Store, name string, opts RemoveOptions) (*RemoveReport, error) {
	img, named, err := Find(s, name)
	if err != nil {
		return nil, err
	}
	users, err := imageUsers(s)
	if err != nil {
		return nil, err
	}
	used := users[img.ID]
	rep := &RemoveReport{}
	if named != nil {
		done, err := untagOne(s, img, named, name, used, opts.Force, rep)
		if err != nil || done {
			return rep, err
		}
	} else if err := untagAll(s, img, name, used, opts, rep); err != nil {
		return nil, err
	}
	if len(used) > 0 {
		return rep, nil // -f on an image in use: untagged, kept for its containers
	}
	return rep, deleteImage(s, img, rep)
}

// untagOne removes the name the user gave; done is true when the image
// keeps other names (or may not be deleted).
func untagOne(s *storage.Store, img *cstorage.Image, named reference.Named, name string, used []string, force bool, rep *RemoveReport) (bool, error) {
	tags, dnames := splitNames(img.Names)
	if len(tags)+len(dnames) <= 1 && len(used) > 0 && !force {
		return true, errdefs.InUse("conflict: unable to remove repository reference %q (must force) - container %s is using its referenced image %s; remove the container first",
			name, ShortID(used[0]), ShortID(img.ID))
	}
	remove := []string{}
	if slices.Contains(img.Names, named.String()) {
		remove = append(remove, named.String())
	}
	rep.Untagged = append(rep.Untagged, reference.FamiliarString(named))
	if _, digested := named.(reference.Canonical); !digested && !otherTagInRepo(tags, named) {
		for _, d := range dnames { // the repository's digest names go with its last tag
			if d.Named.Name() == named.Name() {
				remove = append(remove, d.Named.String())
				rep.Untagged = append(rep.Untagged, reference.FamiliarString(d.Named))
			}
		}
	}
	if err := s.RemoveNames(img.ID, remove); err != nil {
		return true, storageError("untagging", name, err)
	}
	fresh, err := s.Image(img.ID)
	if err != nil {
		return true, storageError("untagging", name, err)
	}
	*img = *fresh
	return len(img.Names) > 0, nil
}

func otherTagInRepo(tags []RepoTag, named reference.Named) bool {
	for _, t := range tags {
		if t.Named.Name() == named.Name() && t.Named.String() != named.String() {
			return true
		}
	}
	return false
}

// untagAll handles removal by ID: refused when a container uses the image
// or it has several names, unless forced; then every name goes.
func untagAll(s *storage.Store, img *cstorage.Image, name string, used []string, opts RemoveOptions, rep *RemoveReport) error {
	force := opts.Force
	if len(used) > 0 && !force {
		return errdefs.InUse("conflict: unable to delete %s (must be forced) - image is being used by container %s; remove the container first",
			ShortID(img.ID), ShortID(used[0]))
	}
	tags, _ := splitNames(img.Names)
	if !force && !opts.AllNames && !singleRepository(img.Names) {
		return errdefs.Conflict("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories; remove its names one by one (rmi NAME:TAG), or use -f",
			ShortID(img.ID))
	}
	for _, t := range tags {
		rep.Untagged = append(rep.Untagged, reference.FamiliarString(t.Named))
	}
	if len(used) > 0 && len(img.Names) > 0 {
		if err := s.RemoveNames(img.ID, img.Names); err != nil {
			return storageError("untagging", name, err)
		}
	}
	return nil
}

// singleRepository: at most one tag, and all names in one repository.
func singleRepository(names []string) bool {
	tags, dnames := splitNames(names)
	if len(tags) > 1 {
		return false
	}
	repo := ""
	for _, n := range append(tags, dnames...) {
		if repo != "" && n.Named.Name() != repo {
			return false
		}
		repo = n.Named.Name()
	}
	return true
}

// deleteImage deletes img and the layers only it used; an image a pull
// or load pins loses its names and stays.
func deleteImage(s *storage.Store, img *cstorage.Image, rep *RemoveReport) error {
	for _, d := range repoDigests(img.Names, img.Digests) {
		if !slices.Contains(rep.Untagged, d) {
			rep.Untagged = append(rep.Untagged, d)
		}
	}
	layers, deleted, err := deleteUnpinned(s, img.ID)
	if err != nil {
		return storageError("deleting image", ShortID(img.ID), err)
	}
	if !deleted {
		if len(img.Names) > 0 {
			if err := s.RemoveNames(img.ID, img.Names); err != nil {
				return storageError("untagging", ShortID(img.ID), err)
			}
		}
		return nil
	}
	rep.Deleted = append(rep.Deleted, "sha256:"+img.ID)
	for _, l := range layers {
		if looksLikeID(l) && len(l) == 64 {
			rep.Deleted = append(rep.Deleted, "sha256:"+l)
		}
	}
	return nil
}
