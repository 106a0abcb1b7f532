package image

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/storage"
)

// Summary is one image as `images` lists it.
type Summary struct {
	ID string
	// Tags are the image's tagged names (only those matching a reference
	// filter, when one is given); DigestNames its name@digest names.
	Tags        []RepoTag
	DigestNames []RepoTag
	// Digests are the manifest digests the image was pulled or pushed by.
	Digests     []digest.Digest
	RepoDigests []string
	Created     time.Time
	Size        int64
	// Containers is how many containers use the image.
	Containers int
	Labels     map[string]string
}

// Dangling reports whether the image has no tag.
func (s *Summary) Dangling() bool { return len(s.Tags) == 0 }

// ListOptions select the images to list.
type ListOptions struct {
	// All includes intermediate images (untagged images a build step
	// was built on), as `images -a` does.
	All     bool
	Filters *Filters
}

// filterKeys are the --filter keys of `images`.
var filterKeys = []string{"dangling", "label", "before", "since", "reference", "until"}

// ListFilterKeys are the keys ParseFilters accepts for List.
func ListFilterKeys() []string { return filterKeys }

// List returns the store's images, newest first, that match the filters.
func List(ctx context.Context, s *storage.Store, opts ListOptions) ([]Summary, error) {
	f := opts.Filters
	if f == nil {
		f = &Filters{}
	}
	imgs, sizes, users, err := inventory(s)
	if err != nil {
		return nil, err
	}
	before, since, err := timeBounds(s, f)
	if err != nil {
		return nil, err
	}
	parents := buildParents(imgs)
	out := make([]Summary, 0, len(imgs))
	for i := range imgs {
		sum := summarize(&imgs[i], sizes, users)
		if !opts.All && parents[imgs[i].ID] && sum.Dangling() && len(sum.DigestNames) == 0 {
			continue // an intermediate image of a build (images -a shows it)
		}
		if !f.matchBasic(&sum, before, since) {
			continue
		}
		if len(f.Labels) > 0 {
			sum.Labels = imageLabels(s, &imgs[i])
			if !filters.MatchAll(f.Labels, sum.Labels) {
				continue
			}
		}
		out = append(out, sum)
	}
	sortSummaries(out)
	return out, nil
}

// summarize turns a store image into a Summary.
func summarize(img *cstorage.Image, sizes map[string]layerInfo, users map[string][]string) Summary {
	tags, dnames := splitNames(img.Names)
	return Summary{
		ID: img.ID, Tags: tags, DigestNames: dnames, Digests: img.Digests,
		RepoDigests: repoDigests(img.Names, img.Digests),
		Created:     img.Created, Size: chainSize(sizes, img.TopLayer),
		Containers: len(users[img.ID]),
	}
}

// matchBasic applies every filter but labels; it narrows sum.Tags to the
// names matching a reference filter.
func (f *Filters) matchBasic(sum *Summary, before, since time.Time) bool {
	if f.Dangling != nil && *f.Dangling != sum.Dangling() {
		return false
	}
	if len(f.References) > 0 {
		sum.Tags = f.keepMatching(sum.Tags)
		sum.DigestNames = f.keepMatching(sum.DigestNames)
		if len(sum.Tags) == 0 && len(sum.DigestNames) == 0 {
			return false
		}
	}
	if !before.IsZero() && !sum.Created.Before(before) {
		return false
	}
	if !since.IsZero() && !sum.Created.After(since) {
		return false
	}
	return f.Until.IsZero() || sum.Created.Before(f.Until)
}

// timeBounds resolves before= and since= images to their creation times.
func timeBounds(s *storage.Store, f *Filters) (before, since time.Time, err error) {
	for _, name := range f.Before {
		img, _, err := Find(s, name)
		if err != nil {
			return before, since, err
		}
		if before.IsZero() || img.Created.Before(before) {
			before = img.Created
		}
	}
	for _, name := range f.Since {
		img, _, err := Find(s, name)
		if err != nil {
			return before, since, err
		}
		if img.Created.After(since) {
			since = img.Created
		}
	}
	return before, since, nil
}

type layerInfo struct {
	parent string
	size   int64
}

// layerSizes maps every layer to its parent and uncompressed size.
// inventory reads what listing and pruning need: every image, the size of
// every layer, and which containers use which image.
func inventory(s *storage.Store) ([]cstorage.Image, map[string]layerInfo, map[string][]string, error) {
	imgs, err := s.Images()
	if err != nil {
		return nil, nil, nil, storageError("listing", "images", err)
	}
	sizes, err := layerSizes(s)
	if err != nil {
		return nil, nil, nil, err
	}
	users, err := imageUsers(s)
	if err != nil {
		return nil, nil, nil, err
	}
	return imgs, sizes, users, nil
}

func layerSizes(s *storage.Store) (map[string]layerInfo, error) {
	layers, err := s.Layers()
	if err != nil {
		return nil, storageError("listing", "layers", err)
	}
	m := make(map[string]layerInfo, len(layers))
	for _, l := range layers {
		size := l.UncompressedSize
		if size < 0 {
			size = 0
		}
		m[l.ID] = layerInfo{parent: l.Parent, size: size}
	}
	return m, nil
}

// chainSize is the size of a layer and all its parents: docker's image
// SIZE.
func chainSize(sizes map[string]layerInfo, top string) int64 {
	var total int64
	seen := map[string]bool{}
	for id := top; id != "" && !seen[id]; id = sizes[id].parent {
		seen[id] = true
		total += sizes[id].size
	}
	return total
}

// imageUsers maps image IDs to the IDs of the containers using them.
func imageUsers(s *storage.Store) (map[string][]string, error) {
	ctrs, err := s.Containers()
	if err != nil {
		return nil, storageError("listing", "containers", err)
	}
	m := map[string][]string{}
	for _, c := range ctrs {
		if c.ImageID != "" {
			m[c.ImageID] = append(m[c.ImageID], c.ID)
		}
	}
	return m, nil
}

// imageLabels reads the labels from the stored configuration blob,
// without decoding the rest of the image.
func imageLabels(s *storage.Store, img *cstorage.Image) map[string]string {
	for _, key := range img.BigDataNames {
		if !strings.HasPrefix(key, "sha256:") {
			continue
		}
		b, err := s.ImageBigData(img.ID, key)
		if err != nil {
			continue
		}
		var cfg struct {
			Config struct{ Labels map[string]string } `json:"config"`
		}
		if json.Unmarshal(b, &cfg) == nil {
			return cfg.Config.Labels
		}
	}
	return nil
}

// buildParents is the set of images another image was built on (a build
// step's parent): untagged, they are intermediate images, not dangling.
func buildParents(imgs []cstorage.Image) map[string]bool {
	out := map[string]bool{}
	for i := range imgs {
		if p := parentOf(&imgs[i]); p != "" {
			out[p] = true
		}
	}
	return out
}
