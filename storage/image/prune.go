package image

import (
	"context"
	"time"

	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/storage"
)

// PruneOptions select what `image prune` removes.
type PruneOptions struct {
	// All removes every image no container uses, not only untagged ones.
	All     bool
	Filters *Filters // until=, label=, label!=, dangling=
}

// PruneReport is what `image prune` removed.
type PruneReport struct {
	Untagged  []string
	Deleted   []string
	Reclaimed int64 // bytes of layers deleted
	// Images are the same, image by image, as rmi reports a removal:
	// Deleted[0] is the image, then its layers.
	Images []RemoveReport
}

// PruneFilterKeys are the --filter keys of `image prune`.
func PruneFilterKeys() []string { return []string{"until", "label", "dangling"} }

// Prune removes unused images: untagged ones, or with All every image no
// container uses, that match the filters. Layers left by failed or killed
// pulls are removed too when no other skiff operation is writing images.
func Prune(ctx context.Context, s *storage.Store, opts PruneOptions) (*PruneReport, error) {
	f := opts.Filters
	if f == nil {
		f = &Filters{}
	}
	all := opts.All || (f.Dangling != nil && !*f.Dangling)
	f.Dangling = nil
	imgs, sizes, users, err := inventory(s)
	if err != nil {
		return nil, err
	}
	rep := &PruneReport{}
	for {
		n, err := pruneOnce(s, imgs, sizes, users, all, f, rep)
		if err != nil || n == 0 {
			break
		}
		// Removing a build's last image makes the step images below it
		// dangling: take them too, as docker does.
		if imgs, sizes, users, err = inventory(s); err != nil {
			return rep, err
		}
	}
	rep.Reclaimed += pruneLeftovers(s)
	return rep, nil
}

// pruneOnce removes the images that match, keeping intermediate images
// whose child still exists; it returns how many it removed.
func pruneOnce(s *storage.Store, imgs []cstorage.Image, sizes map[string]layerInfo, users map[string][]string, all bool, f *Filters, rep *PruneReport) (int, error) {
	parents := buildParents(imgs)
	removed := 0
	for i := range imgs {
		img := &imgs[i]
		sum := summarize(img, sizes, users)
		if sum.Containers > 0 || (!all && !sum.Dangling()) || !f.matchBasic(&sum, time.Time{}, time.Time{}) {
			continue
		}
		if parents[img.ID] {
			continue // a later build step's image is built on it
		}
		if len(f.Labels) > 0 && !filters.MatchAll(f.Labels, imageLabels(s, img)) {
			continue
		}
		one := RemoveReport{}
		for _, t := range sum.Tags {
			one.Untagged = append(one.Untagged, reference.FamiliarString(t.Named))
		}
		one.Untagged = append(one.Untagged, sum.RepoDigests...)
		layers, deleted, err := pruneImage(s, img, all)
		if err != nil {
			return removed, storageError("deleting image", ShortID(img.ID), err)
		}
		if !deleted {
			continue
		}
		removed++
		one.Deleted = append(one.Deleted, "sha256:"+img.ID)
		for _, l := range layers {
			rep.Reclaimed += sizes[l].size
			if looksLikeID(l) && len(l) == 64 {
				one.Deleted = append(one.Deleted, "sha256:"+l)
			}
		}
		rep.Untagged = append(rep.Untagged, one.Untagged...)
		rep.Deleted = append(rep.Deleted, one.Deleted...)
		rep.Images = append(rep.Images, one)
	}
	return removed, nil
}

// pruneImage deletes img unless, read again under the names lock, it
// got a name (and only unnamed images go), or a pull or load pins it.
func pruneImage(s *storage.Store, img *cstorage.Image, all bool) (layers []string, deleted bool, err error) {
	err = WithWriteLock(s, func() error {
		return withNames(s, func() error {
			fresh, err := s.Image(img.ID)
			if err != nil || (!all && len(fresh.Names) > 0) {
				return nil // gone meanwhile, or named
			}
			layers, deleted, err = deleteUnpinned(s, img.ID)
			return err
		})
	})
	return layers, deleted, err
}

// pruneLeftovers removes layers no image or container uses, when no other
// session is writing images.
func pruneLeftovers(s *storage.Store) int64 {
	n, _, _ := RemoveUnusedLayers(s)
	return n
}
