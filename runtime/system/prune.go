package system

import (
	"context"
	"strings"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/network"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// PruneFilters are `system prune --filter` values, parsed for each kind
// of object they apply to.
type PruneFilters struct {
	containers *container.Filters
	images     *image.Filters
	networks   network.Filters
	volumes    []string // label= and label!= only
}

// ParsePruneFilters checks the filters against every kind system prune
// removes (until=, label=, label!=), before anything is asked or removed.
func ParsePruneFilters(in []string) (*PruneFilters, error) {
	f := &PruneFilters{}
	var err error
	if f.containers, err = container.ParseFilters(in, container.PruneFilterKeys); err != nil {
		return nil, err
	}
	if f.images, err = image.ParseFilters(in, image.PruneFilterKeys()...); err != nil {
		return nil, err
	}
	if f.networks, err = network.ParseFilters(in, network.PruneFilterKeys); err != nil {
		return nil, err
	}
	for _, v := range in {
		if k, _, _ := strings.Cut(v, "="); k == "label" || k == "label!" {
			f.volumes = append(f.volumes, v)
		}
	}
	return f, nil
}

// PruneOptions are `system prune`'s.
type PruneOptions struct {
	// All removes every image no container uses, not only dangling ones.
	All bool
	// Volumes also removes the anonymous volumes no container uses.
	Volumes bool
	Filters *PruneFilters
}

// PruneReport is what system prune removed, kind by kind; a kind whose
// prune failed, and those after it, are nil.
type PruneReport struct {
	Containers *container.PruneReport
	Networks   []string
	Volumes    *volume.PruneReport // also nil without Volumes
	Images     *image.PruneReport
	// Reclaimed is the space freed, in bytes.
	Reclaimed int64
}

// Prune removes stopped containers, unused networks, (with Volumes)
// unused anonymous volumes, then unused images, through each kind's own
// prune, with its events and usage checks. It stops at the first
// failure.
func Prune(ctx context.Context, e *engine.Engine, o PruneOptions) (*PruneReport, error) {
	f := o.Filters
	if f == nil {
		f = &PruneFilters{}
	}
	r := &PruneReport{}
	cr, err := container.Prune(e, container.PruneOptions{Filters: f.containers})
	if err != nil {
		return r, err
	}
	r.Containers, r.Reclaimed = cr, cr.SpaceReclaimed
	nets, err := network.Prune(e, network.PruneOptions{Filters: f.networks, Users: container.NetworkUsers(e)})
	if err != nil {
		return r, err
	}
	r.Networks = nets
	if o.Volumes {
		vr, err := volume.Prune(e, volume.PruneOptions{Filters: f.volumes})
		if err != nil {
			return r, err
		}
		r.Volumes, r.Reclaimed = vr, r.Reclaimed+vr.Reclaimed
	}
	ir, err := image.Prune(ctx, e, image.PruneOptions{All: o.All, Filters: f.images})
	if err != nil {
		return r, err
	}
	r.Images, r.Reclaimed = ir, r.Reclaimed+ir.Reclaimed
	return r, nil
}
