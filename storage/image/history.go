package image

import (
	"context"
	"slices"
	"time"

	"go.podman.io/image/v5/manifest"

	"github.com/skiff-containers/skiff/storage"
)

// HistoryEntry is one step of an image's history, as `history` shows it.
type HistoryEntry struct {
	// ID is "sha256:…" of the image for the newest step and, for a built
	// image, of each step's image still stored; "<missing>" for the
	// others.
	ID        string
	Created   time.Time
	CreatedBy string
	// Size is the size of the layer the step made (0 for steps that only
	// changed the configuration).
	Size    int64
	Comment string
	Tags    []string
}

// History returns the image's history, newest step first.
func History(ctx context.Context, s *storage.Store, name string) ([]HistoryEntry, error) {
	img, err := Lookup(ctx, s, name)
	if err != nil {
		return nil, err
	}
	sizes, err := layerSizes(s)
	if err != nil {
		return nil, err
	}
	layers := layerChain(sizes, img.TopLayer) // oldest first
	steps := img.Docker.History
	if len(steps) == 0 {
		steps = make([]manifest.Schema2History, len(layers))
		for i := range steps {
			steps[i].Created = img.Created
		}
	}
	out := make([]HistoryEntry, 0, len(steps))
	next := 0
	for _, h := range steps {
		e := HistoryEntry{ID: "<missing>", Created: h.Created, CreatedBy: h.CreatedBy, Comment: h.Comment}
		if !h.EmptyLayer && next < len(layers) {
			e.Size = layers[next]
			next++
		}
		out = append(out, e)
	}
	slices.Reverse(out)
	// A built image's steps are images too (each names its parent):
	// their rows show their IDs, as docker's history does.
	id := img.ID
	for i := 0; i < len(out) && id != ""; i++ {
		si, err := s.Image(id)
		if err != nil {
			break
		}
		out[i].ID = "sha256:" + si.ID
		out[i].Tags = repoTags(si.Names)
		id = parentOf(si)
	}
	return out, nil
}

// layerChain lists the sizes of a layer and its parents, oldest first.
func layerChain(sizes map[string]layerInfo, top string) []int64 {
	var chain []int64
	seen := map[string]bool{}
	for id := top; id != "" && !seen[id]; id = sizes[id].parent {
		seen[id] = true
		chain = append(chain, sizes[id].size)
	}
	slices.Reverse(chain)
	return chain
}
