package image

import (
	"context"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/runtime/engine"
	simage "github.com/skiff-containers/skiff/storage/image"
)

// ParseFilters parses --filter values for images; allowed lists the keys
// the command accepts (ListFilterKeys, PruneFilterKeys).
func ParseFilters(args []string, allowed ...string) (*Filters, error) {
	return simage.ParseFilters(args, allowed...)
}

// ListFilterKeys are the --filter keys of `images`.
func ListFilterKeys() []string { return simage.ListFilterKeys() }

// PruneFilterKeys are the --filter keys of `image prune`.
func PruneFilterKeys() []string { return simage.PruneFilterKeys() }

// ListOptions select the images to list.
type ListOptions struct {
	// All includes intermediate images, as `images -a` does.
	All     bool
	Filters *Filters
}

// List returns the store's images, newest first, that match the filters.
func List(ctx context.Context, e *engine.Engine, o ListOptions) ([]Summary, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	return simage.List(ctx, s, simage.ListOptions{All: o.All, Filters: o.Filters})
}

// History returns the steps that built an image, newest first.
func History(ctx context.Context, e *engine.Engine, name string) ([]HistoryEntry, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	return simage.History(ctx, s, name)
}

// Inspect describes an image as docker's `image inspect` does.
func Inspect(ctx context.Context, e *engine.Engine, name string) (*InspectReport, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	r, err := simage.Inspect(ctx, s, name)
	if err != nil || !dialect.Current().InspectExtras {
		return r, err
	}
	if img, err := s.Image(r.ID()); err == nil {
		r.Digest, r.NamesHistory = img.Digest.String(), img.NamesHistory
	}
	return r, nil
}
