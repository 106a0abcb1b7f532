// Package image owns images in skiff's store: docker-style references,
// lookups, and the registry and archive operations (pull, push, save, load,
// import, tag, remove, history, inspect) built on go.podman.io/image/v5.
//
// These are the mechanics; callers use the verbs of runtime/image, which
// add the events. It must not import runtime, netns or rootless; callers
// pass the store and the registry context.
package image

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	iimage "go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/storage"
)

// Image is an image in the store with its decoded configuration.
type Image struct {
	*cstorage.Image
	// Config is the OCI image configuration (docker configs are
	// converted); never nil for a looked-up image.
	Config *ociv1.Image
	// Docker is the same configuration in docker's schema: it keeps what
	// OCI drops (Healthcheck, OnBuild, Shell, comment). Config is never nil.
	Docker *manifest.Schema2Image
	// Named is the reference the image was found by, when it was found by
	// name; nil when found by ID.
	Named reference.Named
}

// looksLikeID reports whether s could be an image ID or a prefix of one.
func looksLikeID(s string) bool {
	s = strings.TrimPrefix(s, "sha256:")
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Find returns the store's image for a name, a full or short ID, or a
// name@digest reference, without decoding its configuration.
func Find(s *storage.Store, name string) (*cstorage.Image, reference.Named, error) {
	if name == "" {
		return nil, nil, errdefs.Invalid("image name must not be empty")
	}
	if looksLikeID(name) {
		id := strings.TrimPrefix(name, "sha256:")
		if img, err := s.Image(id); err == nil && img.ID == id {
			return img, nil, nil
		}
		if img, err := findByPrefix(s, id); err != nil || img != nil {
			return img, nil, err
		}
	}
	ref, err := Normalize(name)
	if err != nil {
		return nil, nil, err
	}
	if canonical, ok := ref.(reference.Canonical); ok {
		img, err := findByDigest(s, reference.TrimNamed(ref).Name(), canonical.Digest())
		return img, ref, err
	}
	img, err := s.Image(ref.String())
	if err != nil {
		return nil, nil, noSuchImage(name)
	}
	return img, ref, nil
}

func findByPrefix(s *storage.Store, prefix string) (*cstorage.Image, error) {
	imgs, err := s.Images()
	if err != nil {
		return nil, err
	}
	var found *cstorage.Image
	for i := range imgs {
		if strings.HasPrefix(imgs[i].ID, prefix) {
			if found != nil {
				return nil, errdefs.Invalid("short ID %s is ambiguous: give more characters", prefix)
			}
			found = &imgs[i]
		}
	}
	return found, nil
}

func findByDigest(s *storage.Store, repo string, d digest.Digest) (*cstorage.Image, error) {
	imgs, err := s.ImagesByDigest(d)
	if err != nil || len(imgs) == 0 {
		return nil, noSuchImage(repo + "@" + d.String())
	}
	for _, img := range imgs {
		for _, n := range img.Names {
			if strings.HasPrefix(n, repo+":") || strings.HasPrefix(n, repo+"@") {
				return img, nil
			}
		}
	}
	return imgs[0], nil
}

// Lookup finds an image and decodes its configuration.
func Lookup(ctx context.Context, s *storage.Store, name string) (*Image, error) {
	img, named, err := Find(s, name)
	if err != nil {
		return nil, err
	}
	oci, docker, err := readConfig(ctx, s, img.ID)
	if err != nil {
		return nil, err
	}
	return &Image{Image: img, Config: oci, Docker: docker, Named: named}, nil
}

// Config reads and decodes the configuration of image id.
func Config(ctx context.Context, s *storage.Store, id string) (*ociv1.Image, error) {
	cfg, _, err := readConfig(ctx, s, id)
	return cfg, err
}

// readConfig reads the configuration blob of image id once and decodes it
// both as OCI (converted from docker's schema when needed) and in docker's
// schema, which keeps what OCI drops (Healthcheck, OnBuild, Shell, comment).
// It opens the image's source, not the image reference's NewImage, which
// would also add up the sizes of the image's layers (a read of every layer
// record, for a size nobody asks for here).
func readConfig(ctx context.Context, s *storage.Store, id string) (*ociv1.Image, *manifest.Schema2Image, error) {
	ref, err := istorage.Transport.NewStoreReference(s.Store, nil, id)
	if err != nil {
		return nil, nil, err
	}
	sys := &types.SystemContext{}
	is, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return nil, nil, fmt.Errorf("reading image %s: %w", ShortID(id), err)
	}
	defer is.Close()
	src, err := iimage.FromUnparsedImage(ctx, sys, iimage.UnparsedInstance(is, nil))
	if err != nil {
		return nil, nil, fmt.Errorf("reading image %s: %w", ShortID(id), err)
	}
	oci, err := src.OCIConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading configuration of image %s: %w", ShortID(id), err)
	}
	blob, err := src.ConfigBlob(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading configuration of image %s: %w", ShortID(id), err)
	}
	docker := &manifest.Schema2Image{}
	if err := json.Unmarshal(blob, docker); err != nil {
		return nil, nil, fmt.Errorf("decoding configuration of image %s: %w", ShortID(id), err)
	}
	if docker.Config == nil {
		docker.Config = &manifest.Schema2Config{}
	}
	return oci, docker, nil
}
