package image

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
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

// newMemImage assembles a docker schema 2 image whose parent layers (none
// for import) are found in the store by their digests and whose last
// layer is an uncompressed file.
func newMemImage(dcfg *manifest.Schema2Image, parents []parentLayer, layer digest.Digest, size int64, layerPath string) (*memImage, error) {
	cfgBlob, err := json.Marshal(dcfg)
	if err != nil {
		return nil, err
	}
	cfgDigest := digest.FromBytes(cfgBlob)
	var layers []manifest.Schema2Descriptor
	for _, p := range parents {
		layers = append(layers, manifest.Schema2Descriptor{MediaType: manifest.DockerV2SchemaLayerMediaTypeUncompressed, Size: p.size, Digest: p.diffID})
	}
	layers = append(layers, manifest.Schema2Descriptor{MediaType: manifest.DockerV2SchemaLayerMediaTypeUncompressed, Size: size, Digest: layer})
	m := manifest.Schema2FromComponents(
		manifest.Schema2Descriptor{MediaType: manifest.DockerV2Schema2ConfigMediaType, Size: int64(len(cfgBlob)), Digest: cfgDigest},
		layers,
	)
	manBlob, err := m.Serialize()
	if err != nil {
		return nil, err
	}
	return &memImage{
		configDigest: cfgDigest,
		manifest:     manBlob, manifestType: manifest.DockerV2Schema2MediaType,
		blobs: map[digest.Digest][]byte{cfgDigest: cfgBlob},
		files: map[digest.Digest]string{layer: layerPath},
	}, nil
}
