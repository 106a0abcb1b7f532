package dockerarchive

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"time"

	"github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image is one image of a docker-archive file.
type Image struct {
	// RepoTags as `docker save` writes them: "busybox:latest".
	RepoTags []string
	// Layers are uncompressed layer tar files, base layer first.
	Layers []string
	// Config is the image's run configuration (Env, Cmd, ...).
	Config ociv1.ImageConfig
	// Created is the image's creation time; also used in its history.
	Created time.Time
	// CreatedBy says in the history how each layer was made.
	CreatedBy string
	// Architecture defaults to the architecture of this program.
	Architecture string
}

type layerInfo struct {
	path string
	hex  string
	size int64
}

// Write writes imgs in the `docker save` format to w:
// DIGEST/layer.tar for every distinct layer, DIGEST.json for every
// configuration, then manifest.json. Every tar header carries mtime and
// owner 0:0, so the same input always gives the same bytes.
func Write(w io.Writer, imgs []Image, mtime time.Time) error {
	tw := tar.NewWriter(w)
	written := map[string]bool{}
	type manifestEntry struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var manifest []manifestEntry
	for _, img := range imgs {
		var layers []layerInfo
		for _, p := range img.Layers {
			l, err := hashLayer(p)
			if err != nil {
				return err
			}
			layers = append(layers, l)
		}
		cfg, err := imageConfig(img, layers)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(cfg)
		entry := manifestEntry{Config: hex.EncodeToString(sum[:]) + ".json", RepoTags: img.RepoTags}
		for _, l := range layers {
			name := l.hex + "/layer.tar"
			entry.Layers = append(entry.Layers, name)
			if written[name] {
				continue
			}
			written[name] = true
			if err := writeDir(tw, l.hex+"/", mtime); err != nil {
				return err
			}
			if err := writeFileEntry(tw, name, l.path, l.size, mtime); err != nil {
				return err
			}
		}
		if !written[entry.Config] {
			written[entry.Config] = true
			if err := writeBytes(tw, entry.Config, cfg, mtime); err != nil {
				return err
			}
		}
		manifest = append(manifest, entry)
	}
	m, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	if err := writeBytes(tw, "manifest.json", m, mtime); err != nil {
		return err
	}
	return tw.Close()
}

// imageConfig is the docker/OCI image configuration JSON of img.
func imageConfig(img Image, layers []layerInfo) ([]byte, error) {
	arch := img.Architecture
	if arch == "" {
		arch = goruntime.GOARCH
	}
	created := img.Created.UTC()
	c := ociv1.Image{
		Created:  &created,
		Platform: ociv1.Platform{Architecture: arch, OS: "linux"},
		Config:   img.Config,
		RootFS:   ociv1.RootFS{Type: "layers"},
	}
	for _, l := range layers {
		c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, digest.Digest("sha256:"+l.hex))
		c.History = append(c.History, ociv1.History{Created: &created, CreatedBy: img.CreatedBy})
	}
	return json.Marshal(c)
}

func hashLayer(path string) (layerInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return layerInfo{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return layerInfo{}, fmt.Errorf("reading layer %s: %w", path, err)
	}
	return layerInfo{path: path, hex: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

func writeDir(tw *tar.Writer, name string, mtime time.Time) error {
	return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: mtime})
}

func writeBytes(tw *tar.Writer, name string, b []byte, mtime time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: mtime}); err != nil {
		return err
	}
	_, err := io.Copy(tw, bytes.NewReader(b))
	return err
}

func writeFileEntry(tw *tar.Writer, name, path string, size int64, mtime time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: mtime}); err != nil {
		return err
	}
	return copyFile(tw, path)
}
