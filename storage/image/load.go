package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/oci/layout"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/storage"
)

// LoadOptions say where `load` reads.
type LoadOptions struct {
	// Path is the archive (docker-archive or oci-archive, optionally
	// compressed); when "", Input is read.
	Path  string
	Input io.Reader
	// Progress receives "Loading layer" bars when it is a terminal.
	Progress io.Writer
}

// LoadReport lists what was loaded, in archive order.
type LoadReport struct {
	Names []string // familiar name:tag of every named image
	IDs   []string // "sha256:…" of images loaded without a name
}

// Load stores the images of a docker-archive or oci-archive. The archive
// is checked completely first: a truncated or corrupt file stores nothing.
func Load(ctx context.Context, s *storage.Store, sys *types.SystemContext, opts LoadOptions) (*LoadReport, error) {
	ws, err := beginWrite(s, sys)
	if err != nil {
		return nil, err
	}
	rep, err := load(ctx, s, ws, opts)
	ws.end(s, err != nil)
	return rep, err
}

func load(ctx context.Context, s *storage.Store, ws *writeSession, opts LoadOptions) (*LoadReport, error) {
	what := opts.Path
	in := opts.Input
	if opts.Path != "" {
		f, err := os.Open(opts.Path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, errdefs.NotFound("loading %s: no such file; give the archive docker save wrote", opts.Path)
			}
			return nil, fmt.Errorf("loading %s: %w", opts.Path, err)
		}
		defer f.Close()
		in = f
	} else {
		what = "standard input"
		if in == nil {
			return nil, errdefs.Invalid("loading: no input; use -i FILE or redirect the archive to standard input")
		}
	}
	tarPath := filepath.Join(ws.tmp, "input.tar")
	if _, _, err := copyCheckedTar(tarPath, in); err != nil {
		return nil, errdefs.Invalid("loading %s: %v", what, err)
	}
	members, err := tarMembers(tarPath)
	if err != nil {
		return nil, errdefs.Invalid("loading %s: %v", what, err)
	}
	out := opts.Progress
	if !IsTerminal(out) {
		out = nil
	}
	switch {
	case members["manifest.json"]:
		return loadDocker(ctx, s, ws.sys, tarPath, what, out)
	case members["index.json"]:
		dir := filepath.Join(ws.tmp, "oci")
		if err := untarPlain(tarPath, dir); err != nil {
			return nil, errdefs.Invalid("loading %s: %v", what, err)
		}
		return loadOCI(ctx, s, ws.sys, dir, what, out)
	}
	return nil, errdefs.Invalid("loading %s: not an image archive (no manifest.json or index.json); for a root file system tarball use docker import", what)
}

// tarMembers lists the names at the top of a tar file.
func tarMembers(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return nil, err
		}
		m[strings.TrimPrefix(h.Name, "./")] = true
	}
}

func loadDocker(ctx context.Context, s *storage.Store, sys *types.SystemContext, path, what string, out io.Writer) (*LoadReport, error) {
	r, err := archive.NewReader(sys, path)
	if err != nil {
		return nil, errdefs.Invalid("loading %s: the archive is damaged (%s); save or copy it again", what, lastPart(err.Error()))
	}
	defer r.Close()
	groups, err := r.List()
	if err != nil {
		return nil, errdefs.Invalid("loading %s: the archive is damaged (%s); save or copy it again", what, lastPart(err.Error()))
	}
	rep := &LoadReport{}
	for _, refs := range groups {
		var names []reference.Named
		for _, ref := range refs {
			if n := ref.DockerReference(); n != nil {
				names = append(names, n)
			}
		}
		if err := loadOne(ctx, s, sys, refs[0], names, what, out, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func loadOCI(ctx context.Context, s *storage.Store, sys *types.SystemContext, dir, what string, out io.Writer) (*LoadReport, error) {
	list, err := layout.List(dir)
	if err != nil {
		return nil, errdefs.Invalid("loading %s: the OCI index is damaged (%s); save or copy it again", what, lastPart(err.Error()))
	}
	rep := &LoadReport{}
	for i, item := range list {
		var names []reference.Named
		if n := ociName(item.ManifestDescriptor.Annotations); n != nil {
			names = append(names, n)
		}
		src, err := layout.NewIndexReference(dir, i)
		if err != nil {
			return rep, err
		}
		if err := loadOne(ctx, s, sys, src, names, what, out, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// ociName is the image name an OCI index entry carries: containerd's
// full name, or a ref.name that is a whole reference (a bare tag names
// nothing).
func ociName(ann map[string]string) reference.Named {
	for _, v := range []string{ann["io.containerd.image.name"], ann[ociv1.AnnotationRefName]} {
		if v == "" || !strings.ContainsAny(v, "/:") {
			continue
		}
		if n, err := Normalize(v); err == nil {
			if _, ok := n.(reference.NamedTagged); ok {
				return n
			}
		}
	}
	return nil
}

// loadOne copies one archive image into the store under names. The
// image is pinned while it is written and named under the names lock
// (names.go), as a pull's.
func loadOne(ctx context.Context, s *storage.Store, sys *types.SystemContext, src types.ImageReference, names []reference.Named, what string, out io.Writer, rep *LoadReport) (err error) {
	var first reference.Named
	if len(names) > 0 {
		first = names[0]
	}
	id, err := configID(ctx, sys, src)
	if err != nil {
		return errdefs.Invalid("loading %s: the archive is damaged (%s); save or copy it again", what, lastPart(err.Error()))
	}
	var store cstorage.Store = s.Store
	if fault.Enabled {
		store = layerFaults{store}
	}
	dest, err := istorage.Transport.NewStoreReference(store, first, id)
	if err != nil {
		return err
	}
	policy, err := acceptAnything()
	if err != nil {
		return err
	}
	defer func() { _ = policy.Destroy() }()
	pinned, err := pinImage(s, id)
	if err != nil {
		return err
	}
	defer pinned.release()
	pr := startProgress(out, loadWords, "")
	var resolved types.ImageReference
	_, err = copy.Image(ctx, policy, dest, src, &copy.Options{
		SourceCtx: sys, DestinationCtx: sys, ReportResolvedReference: &resolved,
		Progress: pr.channel(), ProgressInterval: progressInterval,
	})
	pr.finish(err == nil)
	if err != nil {
		dropUnnamed(s, pinned, id)
		return errdefs.Invalid("loading %s: the archive is damaged (%s); save or copy it again", what, lastPart(err.Error()))
	}
	fault.Point("load.image")
	_, img, err := istorage.ResolveReference(resolved)
	if err != nil {
		return storageError("reading loaded image from", what, err)
	}
	var all []string
	for _, n := range names {
		all = append(all, n.String())
	}
	if err := nameImage(s, img.ID, all); err != nil {
		return storageError("naming loaded image from", what, err)
	}
	for _, n := range names {
		rep.Names = append(rep.Names, reference.FamiliarString(n))
	}
	if len(names) == 0 {
		rep.IDs = append(rep.IDs, "sha256:"+img.ID)
	}
	return nil
}

// layerFaults is the store as a load writes it in a build with the kill
// -9 matrix's fault points: load.layer comes once a layer is stored,
// before the next one (image/v5 stores them in order) and the image.
type layerFaults struct{ cstorage.Store }

func (l layerFaults) PutLayer(id, parent string, names []string, mountLabel string, writeable bool, opts *cstorage.LayerOptions, diff io.Reader) (*cstorage.Layer, int64, error) {
	layer, n, err := l.Store.PutLayer(id, parent, names, mountLabel, writeable, opts, diff)
	if err == nil {
		fault.Point("load.layer")
	}
	return layer, n, err
}

// configID is the ID the store gives the image: its configuration digest.
// A name-less image needs it up front, as the store reference needs a
// name or an ID.
func configID(ctx context.Context, sys *types.SystemContext, src types.ImageReference) (string, error) {
	img, err := src.NewImage(ctx, sys)
	if err != nil {
		return "", err
	}
	defer img.Close()
	return img.ConfigInfo().Digest.Encoded(), nil
}

// untarPlain unpacks an OCI layout (regular files and directories only,
// no path may leave dir).
func untarPlain(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(strings.TrimPrefix(h.Name, "/"))
		switch h.Typeflag {
		case tar.TypeDir:
			err = root.MkdirAll(name, 0o755)
		case tar.TypeReg:
			err = writeRootFile(root, name, tr)
		}
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", h.Name, err)
		}
	}
}

func writeRootFile(root *os.Root, name string, r io.Reader) error {
	if d := filepath.Dir(name); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	f, err := root.Create(name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
