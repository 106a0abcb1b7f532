package image

import (
	"context"

	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/events"
	simage "github.com/skiff-containers/skiff/storage/image"
)

// Tag gives the image source the name target and records the tag event.
func Tag(e *engine.Engine, source, target string) error {
	s, err := e.Store()
	if err != nil {
		return err
	}
	if err := simage.Tag(s, source, target); err != nil {
		return err
	}
	events.Record(e, events.Image, "tag", source, map[string]string{"name": target})
	return nil
}

// RemoveOptions are the choices of `rmi`.
type RemoveOptions struct {
	// Force removes an image by ID even when it has several names, and
	// untags an image a container uses.
	Force bool
	// AllNames, given an ID, removes the image whatever names it has
	// (rmi -a).
	AllNames bool
}

// Remove removes the name (or, given an ID, the image) as docker's rmi
// does, refusing what a container uses, and records an untag event for
// every name removed and a delete event for what was deleted.
func Remove(ctx context.Context, e *engine.Engine, name string, o RemoveOptions) (*RemoveReport, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	rep, err := simage.Remove(ctx, s, name, simage.RemoveOptions{Force: o.Force, AllNames: o.AllNames})
	if rep != nil {
		recordRemoval(e, name, rep)
	}
	return rep, err
}

// recordRemoval records what a removal did: untag events (ID: what the
// user named, or the image prune removed) and delete events (ID: the
// image or layer deleted).
func recordRemoval(e *engine.Engine, name string, rep *RemoveReport) {
	for _, u := range rep.Untagged {
		events.Record(e, events.Image, "untag", name, map[string]string{"name": u})
	}
	for _, d := range rep.Deleted {
		events.Record(e, events.Image, "delete", d, map[string]string{"name": name})
	}
}

// PruneOptions select what `image prune` removes.
type PruneOptions struct {
	// All removes every image no container uses, not only untagged ones.
	All     bool
	Filters *Filters // until=, label=, label!=, dangling=
}

// Prune removes the unused images the options select and records, image
// by image, the untag and delete events rmi records (docker's: the image
// ID as the untag events' subject).
func Prune(ctx context.Context, e *engine.Engine, o PruneOptions) (*PruneReport, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	rep, err := simage.Prune(ctx, s, simage.PruneOptions{All: o.All, Filters: o.Filters})
	if rep != nil {
		for i := range rep.Images {
			recordRemoval(e, rep.Images[i].Deleted[0], &rep.Images[i])
		}
	}
	return rep, err
}
