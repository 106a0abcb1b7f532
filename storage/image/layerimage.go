package image

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/storage"
)

// This file makes images from layers skiff writes itself (commit, build)
// straight into the store: a layer from a tar of changes, then an image
// record whose manifest lists the layer chain uncompressed. No image/v5
// copy is involved: nothing is compressed or copied twice.

// Session is an exported write session (see writeSession) for callers
// that add several layers and images in one go: a build holds one from
// start to end, so no clean-up removes the layers of its steps.
type Session struct {
	ws *writeSession
	s  *storage.Store
}

// BeginSession starts a session on s.
func BeginSession(s *storage.Store, sys *types.SystemContext) (*Session, error) {
	ws, err := beginWrite(s, sys)
	if err != nil {
		return nil, err
	}
	return &Session{ws: ws, s: s}, nil
}

// TempDir is the session's private temporary directory (same file system
// as the store; removed at End, or by the next session after kill -9).
func (ss *Session) TempDir() string { return ss.ws.tmp }

// End finishes the session; after a failure unused layers are removed
// when no other session is in flight.
func (ss *Session) End(failed bool) { ss.ws.end(ss.s, failed) }

// PutLayer stores the tar open returns as a read-only layer on parent
// ("" for none), with its digest and size recorded. The tar goes through
// a temporary file: open's stream may hold the store's read lock (a
// layer diff), which the new layer's write would wait for.
func (ss *Session) PutLayer(parent string, open func() (io.ReadCloser, error)) (*cstorage.Layer, error) {
	return putLayer(ss.s, ss.ws.tmp, parent, open)
}

func putLayer(s *storage.Store, tmp, parent string, open func() (io.ReadCloser, error)) (*cstorage.Layer, error) {
	f, err := os.CreateTemp(tmp, "layer-*.tar")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	r, err := open()
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(f, r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing the layer: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	l, _, err := s.PutLayer("", parent, nil, "", false, nil, f)
	if err != nil {
		return nil, storageError("storing", "the layer", err)
	}
	return l, nil
}

// NewImageOptions describe an image made from a layer chain.
type NewImageOptions struct {
	// TopLayer is the image's top layer ("" for no layer); its chain
	// gives the rootfs (Config.RootFS is rewritten from it).
	TopLayer string
	// Config is the configuration in docker's schema.
	Config *manifest.Schema2Image
	// OCI stores an OCI image (docker's HEALTHCHECK, ONBUILD and SHELL
	// are dropped); else docker schema 2.
	OCI bool
	// Parent is the image this one was built on, step by step ("" for
	// none): `images` hides an untagged parent (an intermediate image)
	// and `image prune` keeps it while its child exists, as docker does.
	Parent string
	// Names are the references to give it (taken from other images).
	Names []reference.Named
}

// imageMetadata is what skiff keeps in the store's per-image metadata.
type imageMetadata struct {
	Parent string `json:"skiff-parent,omitempty"`
}

// parentOf reads the build parent of a store image.
func parentOf(img *cstorage.Image) string {
	if img.Metadata == "" {
		return ""
	}
	var m imageMetadata
	if json.Unmarshal([]byte(img.Metadata), &m) != nil {
		return ""
	}
	return m.Parent
}

// NewImage stores an image whose layers are TopLayer's chain and returns
// its ID: its configuration's digest, so storing the same configuration
// twice gives the same image.
func NewImage(s *storage.Store, o NewImageOptions) (string, error) {
	chain, err := commitParents(s, o.TopLayer)
	if err != nil {
		return "", err
	}
	cfg := *o.Config
	rootfs := manifest.Schema2RootFS{Type: "layers"}
	for _, l := range chain {
		rootfs.DiffIDs = append(rootfs.DiffIDs, l.diffID)
	}
	cfg.RootFS = &rootfs
	cfgBlob, man, _, err := encodeImage(&cfg, chain, o.OCI)
	if err != nil {
		return "", err
	}
	cfgDigest := digest.FromBytes(cfgBlob)
	manDigest := digest.FromBytes(man)
	meta, _ := json.Marshal(imageMetadata{Parent: o.Parent})
	var names []string
	for _, n := range o.Names {
		names = append(names, n.String())
	}
	id := cfgDigest.Encoded()
	// under the names lock: the names go on an image read under it, and
	// no rmi deletes an image stored before between the two steps
	err = withNames(s, func() error {
		_, err := s.CreateImage(id, names, o.TopLayer, string(meta), &cstorage.ImageOptions{
			CreationDate: cfg.Created, Digest: manDigest,
			BigData: []cstorage.ImageBigDataOption{
				{Key: cfgDigest.String(), Data: cfgBlob, Digest: cfgDigest},
				{Key: cstorage.ImageDigestManifestBigDataNamePrefix + "-" + manDigest.String(), Data: man, Digest: manDigest},
				{Key: cstorage.ImageDigestBigDataKey, Data: man, Digest: manDigest},
			},
		})
		if err == nil {
			return nil
		}
		if _, lerr := s.Image(id); lerr != nil {
			return storageError("storing", "the image", err)
		}
		// the same configuration was stored before: the same image
		if len(names) > 0 {
			if err := s.AddNames(id, names); err != nil {
				return storageError("tagging", ShortID(id), err)
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// encodeImage serializes the configuration and a manifest listing the
// layers uncompressed, in docker's schema 2 or OCI.
func encodeImage(cfg *manifest.Schema2Image, chain []parentLayer, oci bool) (cfgBlob, man []byte, manType string, err error) {
	if !oci {
		cfgBlob, err = json.Marshal(cfg)
		if err != nil {
			return nil, nil, "", err
		}
		var layers []manifest.Schema2Descriptor
		for _, l := range chain {
			layers = append(layers, manifest.Schema2Descriptor{MediaType: manifest.DockerV2SchemaLayerMediaTypeUncompressed, Size: l.size, Digest: l.diffID})
		}
		m := manifest.Schema2FromComponents(manifest.Schema2Descriptor{
			MediaType: manifest.DockerV2Schema2ConfigMediaType, Size: int64(len(cfgBlob)), Digest: digest.FromBytes(cfgBlob),
		}, layers)
		man, err = m.Serialize()
		return cfgBlob, man, manifest.DockerV2Schema2MediaType, err
	}
	cfgBlob, err = json.Marshal(ociConfig(cfg))
	if err != nil {
		return nil, nil, "", err
	}
	var layers []ociv1.Descriptor
	for _, l := range chain {
		layers = append(layers, ociv1.Descriptor{MediaType: ociv1.MediaTypeImageLayer, Size: l.size, Digest: l.diffID})
	}
	m := manifest.OCI1FromComponents(ociv1.Descriptor{
		MediaType: ociv1.MediaTypeImageConfig, Size: int64(len(cfgBlob)), Digest: digest.FromBytes(cfgBlob),
	}, layers)
	man, err = m.Serialize()
	return cfgBlob, man, ociv1.MediaTypeImageManifest, err
}

// ociConfig is a docker configuration in OCI's schema, which has no
// HEALTHCHECK, ONBUILD or SHELL.
func ociConfig(d *manifest.Schema2Image) *ociv1.Image {
	created := d.Created
	out := &ociv1.Image{
		Created: &created, Author: d.Author,
		Platform: ociv1.Platform{Architecture: d.Architecture, OS: d.OS, Variant: d.Variant},
		RootFS:   ociv1.RootFS{Type: "layers"},
	}
	if d.RootFS != nil {
		out.RootFS.DiffIDs = d.RootFS.DiffIDs
	}
	if c := d.Config; c != nil {
		out.Config = ociv1.ImageConfig{
			User: c.User, Env: c.Env, Entrypoint: c.Entrypoint, Cmd: c.Cmd, Volumes: c.Volumes,
			WorkingDir: c.WorkingDir, Labels: c.Labels, StopSignal: c.StopSignal,
		}
		if len(c.ExposedPorts) > 0 {
			out.Config.ExposedPorts = map[string]struct{}{}
			for p := range c.ExposedPorts {
				out.Config.ExposedPorts[string(p)] = struct{}{}
			}
		}
	}
	for _, h := range d.History {
		t := h.Created
		out.History = append(out.History, ociv1.History{
			Created: &t, CreatedBy: h.CreatedBy, Author: h.Author, Comment: h.Comment, EmptyLayer: h.EmptyLayer,
		})
	}
	return out
}

// Exists reports whether the store has image id (full ID).
func Exists(s *storage.Store, id string) bool {
	img, err := s.Image(id)
	return err == nil && img.ID == id
}
