package image

import (
	"context"
	"strings"
	"time"

	"go.podman.io/image/v5/manifest"

	"github.com/skiff-containers/skiff/storage"
)

// InspectReport is docker's `image inspect` object. Field names are
// docker's JSON keys, so --format templates read the same ({{.Id}},
// {{.Config.Cmd}}, {{.RootFS.Layers}}).
type InspectReport struct {
	Id            string //nolint:revive // docker's key
	RepoTags      []string
	RepoDigests   []string
	Parent        string
	Comment       string
	Created       string
	DockerVersion string
	Author        string
	Config        *manifest.Schema2Config
	Architecture  string
	Variant       string `json:",omitempty"`
	Os            string //nolint:revive // docker's key
	OsVersion     string `json:",omitempty"`
	Size          int64
	GraphDriver   GraphDriver
	RootFS        RootFS
	Metadata      Metadata
	// Digest and NamesHistory are podman's: the manifest's digest and
	// every name the image had, newest first (set by runtime/image when
	// skiff speaks podman's dialect).
	Digest       string   `json:",omitempty"`
	NamesHistory []string `json:",omitempty"`
}

// ID is {{.ID}}: the image's ID without its "sha256:", as podman's
// templates read it.
func (r *InspectReport) ID() string { return strings.TrimPrefix(r.Id, "sha256:") }

// GraphDriver names the storage driver and the top layer's directories.
type GraphDriver struct {
	Data map[string]string
	Name string
}

// RootFS lists the layers' uncompressed digests (diff IDs).
type RootFS struct {
	Type   string
	Layers []string
}

// Metadata is docker's image metadata; skiff does not record tag times.
type Metadata struct {
	LastTagTime time.Time
}

// Inspect returns docker's description of image name.
func Inspect(ctx context.Context, s *storage.Store, name string) (*InspectReport, error) {
	img, err := Lookup(ctx, s, name)
	if err != nil {
		return nil, err
	}
	sizes, err := layerSizes(s)
	if err != nil {
		return nil, err
	}
	d := img.Docker
	r := &InspectReport{
		Id: "sha256:" + img.ID, RepoTags: repoTags(img.Names), RepoDigests: repoDigests(img.Names, img.Digests),
		Comment: d.Comment, DockerVersion: d.DockerVersion, Author: d.Author, Config: d.Config,
		Architecture: d.Architecture, Variant: d.Variant, Os: d.OS, OsVersion: d.OSVersion,
		Size:        chainSize(sizes, img.TopLayer),
		GraphDriver: GraphDriver{Name: s.Driver, Data: driverData(s, img.TopLayer)},
		RootFS:      RootFS{Type: "layers", Layers: []string{}},
	}
	created := d.Created
	if created.IsZero() {
		created = img.Created
	}
	r.Created = created.UTC().Format(time.RFC3339Nano)
	if d.RootFS != nil {
		if d.RootFS.Type != "" {
			r.RootFS.Type = d.RootFS.Type
		}
		for _, id := range d.RootFS.DiffIDs {
			r.RootFS.Layers = append(r.RootFS.Layers, id.String())
		}
	}
	if d.Parent != "" {
		r.Parent = d.Parent.String()
	}
	return r, nil
}

// driverData is the storage driver's description of a layer (overlay:
// LowerDir, UpperDir, WorkDir, MergedDir), or nil.
func driverData(s *storage.Store, layer string) map[string]string {
	if layer == "" {
		return nil
	}
	drv, err := s.GraphDriver()
	if err != nil {
		return nil
	}
	m, err := drv.Metadata(layer)
	if err != nil {
		return nil
	}
	return m
}
