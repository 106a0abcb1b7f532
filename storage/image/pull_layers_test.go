package image

import (
	"context"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
)

// countingSource counts the blobs read from an image source.
type countingSource struct {
	*memImage
	mu    sync.Mutex
	reads map[digest.Digest]int
}

func (c *countingSource) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	c.mu.Lock()
	c.reads[info.Digest]++
	c.mu.Unlock()
	return c.memImage.GetBlob(ctx, info, cache)
}

func (c *countingSource) NewImageSource(context.Context, *types.SystemContext) (types.ImageSource, error) {
	return c, nil
}

// twoLayerImage is a gzip-layered schema 2 image in memory; diffIDs may
// be replaced to lie about the layers' content.
func twoLayerImage(t *testing.T, diffIDs ...digest.Digest) (*countingSource, []digest.Digest) {
	t.Helper()
	tars := [][]byte{tarOf(t, map[string]string{"etc/a": "one\n"}), tarOf(t, map[string]string{"etc/b": "two\n"})}
	m := &memImage{blobs: map[digest.Digest][]byte{}, manifestType: manifest.DockerV2Schema2MediaType}
	var layers []manifest.Schema2Descriptor
	var blobs []digest.Digest
	for i, tb := range tars {
		g := gz(t, tb)
		d := digest.FromBytes(g)
		m.blobs[d] = g
		blobs = append(blobs, d)
		layers = append(layers, manifest.Schema2Descriptor{MediaType: manifest.DockerV2Schema2LayerMediaType, Size: int64(len(g)), Digest: d})
		if len(diffIDs) <= i {
			diffIDs = append(diffIDs, digest.FromBytes(tb))
		}
	}
	cfg, err := json.Marshal(&manifest.Schema2Image{
		Schema2V1Image: manifest.Schema2V1Image{Architecture: runtime.GOARCH, OS: "linux"},
		RootFS:         &manifest.Schema2RootFS{Type: "layers", DiffIDs: diffIDs},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.configDigest = digest.FromBytes(cfg)
	m.blobs[m.configDigest] = cfg
	man := manifest.Schema2FromComponents(manifest.Schema2Descriptor{
		MediaType: manifest.DockerV2Schema2ConfigMediaType, Size: int64(len(cfg)), Digest: m.configDigest}, layers)
	if m.manifest, err = man.Serialize(); err != nil {
		t.Fatal(err)
	}
	return &countingSource{memImage: m, reads: map[digest.Digest]int{}}, blobs
}

func anyPolicy(t *testing.T) *signature.PolicyContext {
	t.Helper()
	pc, err := acceptAnything()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Destroy() })
	return pc
}

// The layers are stored by the one-pass path, each read once, and
// copy.Image then writes the image reading no layer again.
func TestPullLayersOnePass(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sys := &types.SystemContext{BlobInfoCacheDir: t.TempDir()}
	src, blobs := twoLayerImage(t)
	policy := anyPolicy(t)

	plan := planLayers(ctx, sys, src, policy)
	if plan == nil {
		t.Fatal("planLayers left a plain schema 2 image to copy.Image")
	}
	if err := fetchLayers(ctx, s, sys, src, plan, t.TempDir(), nil); err != nil {
		t.Fatal(err)
	}
	for i, id := range plan.ids {
		l, err := s.Store.Layer(id)
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		if l.CompressedDigest != blobs[i] || l.UncompressedDigest != plan.diffIDs[i] {
			t.Errorf("layer %d: digests %s, %s; want %s, %s", i, l.CompressedDigest, l.UncompressedDigest, blobs[i], plan.diffIDs[i])
		}
		if i > 0 && l.Parent != plan.ids[i-1] {
			t.Errorf("layer %d: parent %q, want %q", i, l.Parent, plan.ids[i-1])
		}
	}

	named, err := reference.ParseNormalizedNamed("example.com/onepass:latest")
	if err != nil {
		t.Fatal(err)
	}
	destRef, err := istorage.Transport.NewStoreReference(s.Store, named, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := copy.Image(ctx, policy, destRef, src, &copy.Options{SourceCtx: sys, DestinationCtx: sys}); err != nil {
		t.Fatal(err)
	}
	for _, d := range blobs {
		if n := src.reads[d]; n != 1 {
			t.Errorf("layer blob %s read %d times, want once", d, n)
		}
	}
	img, err := s.Store.Image(named.String())
	if err != nil {
		t.Fatal(err)
	}
	if img.TopLayer != plan.ids[1] {
		t.Errorf("image's top layer %s, want %s", img.TopLayer, plan.ids[1])
	}

	// all there: nothing is read again
	if err := fetchLayers(ctx, s, sys, src, plan, t.TempDir(), nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range blobs {
		if n := src.reads[d]; n != 1 {
			t.Errorf("after a second fetch, layer blob %s read %d times", d, n)
		}
	}
}

// A blob whose content is not what the manifest says, or a layer whose
// content is not what the config's diffID says, leaves no layer behind.
func TestPullLayersMismatch(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sys := &types.SystemContext{BlobInfoCacheDir: t.TempDir()}
	policy := anyPolicy(t)

	src, blobs := twoLayerImage(t)
	good := src.blobs[blobs[1]]
	bad := append([]byte{}, good...)
	bad[len(bad)-5] ^= 0xff // a byte of the gzip trailer
	src.blobs[blobs[1]] = bad
	plan := planLayers(ctx, sys, src, policy)
	err := fetchLayers(ctx, s, sys, src, plan, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), blobs[1].String()) {
		t.Errorf("tampered blob: error %v, want one naming %s", err, blobs[1])
	}
	if l, err := s.Store.Layer(plan.ids[1]); err == nil {
		t.Errorf("tampered blob: layer %s stored", l.ID)
	}

	s = newStore(t)
	src, _ = twoLayerImage(t, digest.FromString("not this layer"))
	plan = planLayers(ctx, sys, src, policy)
	err = fetchLayers(ctx, s, sys, src, plan, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "DiffID") {
		t.Errorf("wrong diffID: error %v, want a DiffID mismatch", err)
	}
	if layers, _ := s.Store.Layers(); len(layers) != 0 {
		t.Errorf("wrong diffID: %d layers stored", len(layers))
	}
}
