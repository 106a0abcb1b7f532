package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/types"
)

// memTransport is the transport of images skiff assembles itself (import):
// a manifest and configuration in memory and layer files on disk, copied
// into the store with image/v5's copy like any other source.
type memTransport struct{}

func (memTransport) Name() string { return "skiff-import" }

func (memTransport) ParseReference(string) (types.ImageReference, error) {
	return nil, errors.New("skiff-import references cannot be parsed")
}

func (memTransport) ValidatePolicyConfigurationScope(string) error { return nil }

// memImage is both the reference and the source.
type memImage struct {
	configDigest digest.Digest
	manifest     []byte
	manifestType string
	blobs        map[digest.Digest][]byte // configuration
	files        map[digest.Digest]string // layers
}

func (m *memImage) Transport() types.ImageTransport     { return memTransport{} }
func (m *memImage) StringWithinTransport() string       { return "" }
func (m *memImage) DockerReference() reference.Named    { return nil }
func (m *memImage) PolicyConfigurationIdentity() string { return "" }
func (m *memImage) PolicyConfigurationNamespaces() []string {
	return nil
}

func (m *memImage) NewImage(ctx context.Context, sys *types.SystemContext) (types.ImageCloser, error) {
	return image.FromSource(ctx, sys, m)
}

func (m *memImage) NewImageSource(context.Context, *types.SystemContext) (types.ImageSource, error) {
	return m, nil
}

func (m *memImage) NewImageDestination(context.Context, *types.SystemContext) (types.ImageDestination, error) {
	return nil, errors.New("cannot write to a skiff-import reference")
}

func (m *memImage) DeleteImage(context.Context, *types.SystemContext) error {
	return errors.New("cannot delete a skiff-import reference")
}

func (m *memImage) Reference() types.ImageReference { return m }
func (m *memImage) Close() error                    { return nil }
func (m *memImage) HasThreadSafeGetBlob() bool      { return true }

func (m *memImage) GetManifest(_ context.Context, instance *digest.Digest) ([]byte, string, error) {
	if instance != nil {
		return nil, "", errors.New("skiff-import images have no manifest list")
	}
	return m.manifest, m.manifestType, nil
}

func (m *memImage) GetBlob(_ context.Context, info types.BlobInfo, _ types.BlobInfoCache) (io.ReadCloser, int64, error) {
	if b, ok := m.blobs[info.Digest]; ok {
		return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
	}
	if p, ok := m.files[info.Digest]; ok {
		f, err := os.Open(p)
		if err != nil {
			return nil, -1, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, -1, err
		}
		return f, st.Size(), nil
	}
	return nil, -1, fmt.Errorf("blob %s not found", info.Digest)
}

func (m *memImage) GetSignatures(context.Context, *digest.Digest) ([][]byte, error) {
	return nil, nil
}

func (m *memImage) LayerInfosForCopy(context.Context, *digest.Digest) ([]types.BlobInfo, error) {
	return nil, nil
}
