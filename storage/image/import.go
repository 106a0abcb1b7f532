package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/compression"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/storage"
)

// ImportOptions are the choices of `import`.
type ImportOptions struct {
	// Source is a tar file (optionally compressed), an http(s) URL, or "-"
	// for Stdin.
	Source string
	Stdin  io.Reader
	// Reference names the new image (REPOSITORY[:TAG]); "" leaves it
	// untagged.
	Reference string
	// Changes are Dockerfile instructions applied to the configuration.
	Changes []string
	// Message is the commit message (-m); the default says where the
	// file came from, as docker's does.
	Message string
	// Platform is "os/arch[/variant]"; "" is this machine's.
	Platform string
}

// Import creates a one-layer image from a root file system tarball. The
// archive is checked completely before anything is stored, so a corrupt
// or truncated file changes nothing.
func Import(ctx context.Context, s *storage.Store, sys *types.SystemContext, opts ImportOptions) (*Image, error) {
	dcfg, named, err := importConfig(opts)
	if err != nil {
		return nil, err
	}
	ws, err := beginWrite(s, sys)
	if err != nil {
		return nil, err
	}
	img, err := importLayer(ctx, s, ws, dcfg, named, opts)
	if err == nil {
		fault.Point("import.image")
	}
	ws.end(s, err != nil)
	return img, err
}

// importConfig builds the image configuration from the options.
func importConfig(opts ImportOptions) (*manifest.Schema2Image, reference.Named, error) {
	var named reference.Named
	if opts.Reference != "" {
		t, err := NormalizeTag(opts.Reference)
		if err != nil {
			return nil, nil, err
		}
		named = t
	}
	cfg := &manifest.Schema2Config{}
	if err := ApplyChanges(cfg, opts.Changes); err != nil {
		return nil, nil, err
	}
	osName, arch, variant := "linux", goruntime.GOARCH, ""
	if opts.Platform != "" {
		p, err := withPlatform(&types.SystemContext{}, opts.Platform)
		if err != nil {
			return nil, nil, err
		}
		osName, arch, variant = p.OSChoice, p.ArchitectureChoice, p.VariantChoice
	}
	msg := opts.Message
	if msg == "" {
		msg = "Imported from " + opts.Source
	}
	now := time.Now().UTC()
	d := &manifest.Schema2Image{
		Schema2V1Image: manifest.Schema2V1Image{
			Created: now, Comment: opts.Message, Config: cfg,
			Architecture: arch, Variant: variant, OS: osName,
		},
		RootFS:  &manifest.Schema2RootFS{Type: "layers"},
		History: []manifest.Schema2History{{Created: now, Comment: msg}},
	}
	return d, named, nil
}

func importLayer(ctx context.Context, s *storage.Store, ws *writeSession, dcfg *manifest.Schema2Image, named reference.Named, opts ImportOptions) (*Image, error) {
	in, err := openImportSource(ctx, opts)
	if err != nil {
		return nil, err
	}
	layerPath := filepath.Join(ws.tmp, "layer.tar")
	diffID, size, err := copyCheckedTar(layerPath, in)
	in.Close()
	if err != nil {
		return nil, errdefs.Invalid("importing %s: %v", opts.Source, err)
	}
	fault.Point("import.layer")
	dcfg.RootFS.DiffIDs = []digest.Digest{diffID}
	src, err := newMemImage(dcfg, nil, diffID, size, layerPath)
	if err != nil {
		return nil, err
	}
	return ws.store(ctx, s, src, named, "importing", opts.Source)
}

// store copies an image built in memory (import, commit) into the store
// under named (or, unnamed, under the ID the store gives a schema 2 image)
// and looks it up. verb and subject word a failure ("importing" x.tar).
func (ws *writeSession) store(ctx context.Context, s *storage.Store, src *memImage, named reference.Named, verb, subject string) (*Image, error) {
	id := ""
	if named == nil {
		id = src.configDigest.Encoded()
	}
	destRef, err := istorage.Transport.NewStoreReference(s.Store, named, id)
	if err != nil {
		return nil, err
	}
	policy, err := acceptAnything()
	if err != nil {
		return nil, err
	}
	defer func() { _ = policy.Destroy() }()
	var resolved types.ImageReference
	if _, err := copy.Image(ctx, policy, destRef, src, &copy.Options{
		SourceCtx: ws.sys, DestinationCtx: ws.sys, ReportResolvedReference: &resolved,
	}); err != nil {
		return nil, storageError(verb, subject, err)
	}
	_, simg, err := istorage.ResolveReference(resolved)
	if err != nil {
		return nil, storageError("reading the image made by "+verb, subject, err)
	}
	return lookupID(ctx, s, simg.ID, named)
}

// openImportSource opens the file, URL or standard input.
func openImportSource(ctx context.Context, opts ImportOptions) (io.ReadCloser, error) {
	src := opts.Source
	switch {
	case src == "-":
		if opts.Stdin == nil {
			return nil, errdefs.Invalid("importing from standard input: no input given")
		}
		return io.NopCloser(opts.Stdin), nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, errdefs.Invalid("importing %s: %v", src, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("importing %s: downloading failed: %s; check the URL", src, lastPart(err.Error()))
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, errdefs.NotFound("importing %s: the server answered %s; check the URL", src, resp.Status)
		}
		return resp.Body, nil
	}
	f, err := os.Open(src)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFound("importing %s: no such file; give a tar file, an http(s) URL, or - for standard input", src)
		}
		return nil, fmt.Errorf("importing %s: %w", src, err)
	}
	return f, nil
}

// copyCheckedTar decompresses r into path, checking on the way that it is
// a complete tar archive, and returns the digest and size of the tar.
func copyCheckedTar(path string, r io.Reader) (digest.Digest, int64, error) {
	plain, compressed, err := compression.AutoDecompress(r)
	if err != nil {
		return "", 0, fmt.Errorf("not a tar archive: %s", lastPart(err.Error()))
	}
	defer plain.Close()
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	digester := digest.Canonical.Digester()
	counter := &countingWriter{}
	tee := io.TeeReader(plain, io.MultiWriter(f, digester.Hash(), counter))
	if err := checkTar(tee, compressed); err != nil {
		return "", 0, err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // trailing padding
		return "", 0, fmt.Errorf("the archive is corrupt: %s", lastPart(err.Error()))
	}
	if counter.n == 0 {
		return "", 0, errors.New("the input is empty, not a tar archive")
	}
	return digester.Digest(), counter.n, f.Sync()
}

// checkTar reads a whole tar stream and reports damage in plain words. A
// first header that cannot be read means "not a tar", unless the stream
// was compressed and just ended early.
func checkTar(r io.Reader, compressed bool) error {
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		_, err := tr.Next()
		switch {
		case err == io.EOF:
			return nil
		case err != nil && n == 0 && !(compressed && errors.Is(err, io.ErrUnexpectedEOF)):
			return errors.New("not a tar archive (plain, gzip, bzip2, xz or zstd expected)")
		case err == nil:
			_, err = io.Copy(io.Discard, tr)
		}
		switch {
		case err == nil:
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("the archive is truncated; copy or download it again")
		default:
			return fmt.Errorf("the archive is corrupt: %s", lastPart(err.Error()))
		}
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
