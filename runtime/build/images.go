package build

import (
	"context"
	"io"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"

	"github.com/skiff-containers/skiff/runtime/engine"
	rimage "github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/storage"
	"github.com/skiff-containers/skiff/storage/image"
)

// images is every image operation a build makes, in one place: looking
// up and pulling bases, storing step layers and images, tagging, and
// mounting an image's tree read-only (COPY --from, the tree COPY writes
// over). Pulls and tags go through runtime/image's verbs, as the
// command line's do (same events); step layers and images are written
// in the build's storage session.
type images struct {
	e    *engine.Engine
	s    *storage.Store
	sess *image.Session
	// pull says how a missing (or, with --pull, any) base image is
	// pulled: progress, quiet, TLS.
	pull rimage.PullOptions
}

// base finds FROM's image, pulling it when missing or when always is
// set (--pull).
func (im *images) base(ctx context.Context, name string, always bool) (*image.Image, error) {
	if !always {
		img, err := image.Lookup(ctx, im.s, name)
		if err == nil {
			return img, nil
		}
		if !isNotFound(err) {
			return nil, err
		}
	}
	return rimage.Pull(ctx, im.e, name, im.pull)
}

// config reads an image's configuration in docker's schema.
func (im *images) config(ctx context.Context, id string) (*manifest.Schema2Image, error) {
	img, err := image.Lookup(ctx, im.s, id)
	if err != nil {
		return nil, err
	}
	return img.Docker, nil
}

// exists reports whether image id (full) is still in the store.
func (im *images) exists(id string) bool { return image.Exists(im.s, id) }

// topLayer is image id's top layer.
func (im *images) topLayer(id string) (string, error) {
	img, err := im.s.Image(id)
	if err != nil {
		return "", err
	}
	return img.TopLayer, nil
}

// putLayer stores a tar of changes as a layer on parent.
func (im *images) putLayer(parent string, open func() (io.ReadCloser, error)) (string, error) {
	l, err := im.sess.PutLayer(parent, open)
	if err != nil {
		return "", err
	}
	return l.ID, nil
}

// newImage stores a step's image: top layer, configuration, the image
// it was built on.
func (im *images) newImage(top string, cfg *manifest.Schema2Image, oci bool, parent string) (string, error) {
	return image.NewImage(im.s, image.NewImageOptions{TopLayer: top, Config: cfg, OCI: oci, Parent: parent})
}

// tag gives image id a name.
func (im *images) tag(id string, name reference.Named) error {
	return rimage.Tag(im.e, id, name.String())
}

// mount mounts image id read-only and returns its root and the unmount.
func (im *images) mount(id string) (string, func(), error) {
	root, err := im.s.MountImage(id, []string{"ro"}, "")
	if err != nil {
		return "", nil, err
	}
	return root, func() { _, _ = im.s.UnmountImage(id, false) }, nil
}

// normalizeTag parses -t NAME[:TAG].
func normalizeTag(name string) (reference.Named, error) {
	return image.NormalizeTag(name)
}

// parsePortSpec expands an EXPOSE word (PORT[-PORT][/PROTO]), with the
// rules `commit --change EXPOSE` uses.
func parsePortSpec(word string) ([]string, error) { return image.ParsePortSpec(word) }
