package image

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/storage"
)

// CommitOptions describe an image made from a container's changes
// (`commit`).
type CommitOptions struct {
	// Parent is the container's image; the new image is its layers plus
	// Layer.
	Parent *Image
	// OpenLayer opens an uncompressed tar of the container's changes; it
	// is called once the store has been read, as the open stream may hold
	// the store's lock until closed.
	OpenLayer func() (io.ReadCloser, error)
	// Config is the new image's configuration before Changes.
	Config manifest.Schema2Config
	// Changes are Dockerfile instructions (-c/--change).
	Changes []string
	// Author (-a) and Message (-m) go into the image and its history.
	Author, Message string
	// Container is the container's ID; CreatedBy its command line.
	Container, CreatedBy string
	// Reference names the image (REPOSITORY[:TAG]); "" leaves it untagged.
	Reference string
}

// Commit creates an image from a container's changes. The layer is
// written to a private temporary directory and the image is stored whole
// or not at all, as import does.
func Commit(ctx context.Context, s *storage.Store, sys *types.SystemContext, o CommitOptions) (*Image, error) {
	var named reference.Named
	if o.Reference != "" {
		t, err := NormalizeTag(o.Reference)
		if err != nil {
			return nil, err
		}
		named = t
	}
	cfg := o.Config
	if err := ApplyChanges(&cfg, o.Changes); err != nil {
		return nil, err
	}
	ws, err := beginWrite(s, sys)
	if err != nil {
		return nil, err
	}
	img, err := commitLayer(ctx, s, ws, &cfg, named, o)
	ws.end(s, err != nil)
	return img, err
}

func commitLayer(ctx context.Context, s *storage.Store, ws *writeSession, cfg *manifest.Schema2Config, named reference.Named, o CommitOptions) (*Image, error) {
	layer, err := putLayer(s, ws.tmp, o.Parent.TopLayer, o.OpenLayer)
	if err != nil {
		return nil, fmt.Errorf("committing: writing the container's changes: %w", err)
	}
	fault.Point("commit.layer")
	var names []reference.Named
	if named != nil {
		names = append(names, named)
	}
	id, err := NewImage(s, NewImageOptions{
		TopLayer: layer.ID, Config: commitConfig(o, cfg, layer.UncompressedDigest), Names: names,
	})
	if err != nil {
		return nil, err
	}
	return lookupID(ctx, s, id, named)
}

// commitConfig is the parent's configuration with the new layer, the
// container's configuration and a history entry added.
func commitConfig(o CommitOptions, cfg *manifest.Schema2Config, diffID digest.Digest) *manifest.Schema2Image {
	now := time.Now().UTC()
	d := *o.Parent.Docker
	d.Config = cfg
	d.Created = now
	d.Author = o.Author
	d.Comment = o.Message
	d.Container = o.Container
	d.Parent = digest.Digest("sha256:" + o.Parent.ID)
	rootfs := manifest.Schema2RootFS{Type: "layers"}
	if d.RootFS != nil {
		rootfs.DiffIDs = append(rootfs.DiffIDs, d.RootFS.DiffIDs...)
	}
	rootfs.DiffIDs = append(rootfs.DiffIDs, diffID)
	d.RootFS = &rootfs
	d.History = append(append([]manifest.Schema2History{}, d.History...), manifest.Schema2History{
		Created: now, CreatedBy: o.CreatedBy, Author: o.Author, Comment: o.Message,
	})
	return &d
}

// parentLayer is one layer of the parent image, bottom first.
type parentLayer struct {
	diffID digest.Digest
	size   int64
}

// commitParents lists the layers of the parent image, bottom first.
func commitParents(s *storage.Store, top string) ([]parentLayer, error) {
	var out []parentLayer
	for id := top; id != ""; {
		l, err := s.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("reading layer %s of the container's image: %w", ShortID(id), err)
		}
		if l.UncompressedDigest == "" {
			return nil, fmt.Errorf("layer %s of the container's image has no digest", ShortID(id))
		}
		out = append([]parentLayer{{diffID: l.UncompressedDigest, size: l.UncompressedSize}}, out...)
		id = l.Parent
	}
	return out, nil
}
