package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/storage"
)

// progressInterval is how often image/v5 reports bytes moved.
const progressInterval = 100 * time.Millisecond

// PullOptions are the choices of one pull.
type PullOptions struct {
	// Quiet suppresses all progress output.
	Quiet bool
	// Progress receives docker's pull output: progress bars when it is a
	// terminal, else one line per layer, then the Digest and Status lines.
	// nil writes nothing.
	Progress io.Writer
	// Platform is "os/arch[/variant]" (docker pull --platform); "" is
	// this machine's.
	Platform string
}

// Pull copies name (docker's short names allowed) from its registry, or a
// mirror registries.conf names for it, into the store, and returns the
// image. Layers already in the store are not downloaded again. A pull that
// fails or is killed leaves no image behind.
func Pull(ctx context.Context, s *storage.Store, sys *types.SystemContext, name string, opts PullOptions) (*Image, error) {
	named, err := Normalize(name)
	if err != nil {
		return nil, err
	}
	sys, err = withPlatform(sys, opts.Platform)
	if err != nil {
		return nil, err
	}
	ws, err := beginWrite(s, sys)
	if err != nil {
		return nil, err
	}
	fault.Point("pull.session")
	img, err := pull(ctx, s, ws.sys, named, opts)
	if err == nil {
		fault.Point("pull.image")
	}
	ws.end(s, err != nil)
	return img, err
}

func pull(ctx context.Context, s *storage.Store, sys *types.SystemContext, named reference.Named, opts PullOptions) (*Image, error) {
	sys = ForRegistry(sys, named)
	if err := allowLoopbackMirrors(sys); err != nil {
		return nil, err
	}
	srcRef, err := docker.NewReference(named)
	if err != nil {
		return nil, invalidReference(named.String(), err)
	}
	destRef, err := istorage.Transport.NewStoreReference(s.Store, named, "")
	if err != nil {
		return nil, err
	}
	policy, err := PolicyContext(sys)
	if err != nil {
		return nil, fmt.Errorf("reading the signature policy: %s", oneLine(err.Error()))
	}
	defer func() { _ = policy.Destroy() }()

	before := ""
	if img, err := s.Image(named.String()); err == nil {
		before = img.ID
	}
	out := opts.Progress
	if opts.Quiet {
		out = nil
	}
	header := fmt.Sprintf("%s: Pulling from %s", tagOrDigest(named), reference.Path(named))
	pr := startProgress(out, pullWords, header)
	// Layers go through skiff's one-pass path (pull_layers.go) when the
	// image is of a kind it handles; copy.Image then writes the image
	// from the same opened source (a source that fails to open is left to
	// copy.Image, which words the error). The image is pinned from before
	// its layers are looked for until it has its name (names.go); one
	// whose ID is not known beforehand is written holding the names lock.
	opened := &openedSource{ImageReference: srcRef}
	defer opened.close()
	var plan *layerPlan
	if src, err := srcRef.NewImageSource(ctx, sys); err == nil {
		opened.src = src
		plan = planLayers(ctx, sys, src, policy)
	}
	var pinned *pin
	if plan != nil {
		if pinned, err = pinImage(s, plan.image); err != nil {
			pr.finish(false)
			return nil, err
		}
		defer pinned.release()
		err = fetchLayers(ctx, s, sys, opened.src, plan, sys.BigFilesTemporaryDir, pr)
		if errors.Is(err, cstorage.ErrLayerUnknown) {
			// a layer it found was deleted with its last image meanwhile
			err = fetchLayers(ctx, s, sys, opened.src, plan, sys.BigFilesTemporaryDir, pr)
		}
		if err != nil {
			pr.finish(false)
			return nil, pullError(named, err)
		}
	}
	var resolved types.ImageReference
	var man []byte
	copyImage := func() error {
		man, err = copy.Image(ctx, policy, destRef, opened, &copy.Options{
			SourceCtx: sys, DestinationCtx: sys,
			Progress: pr.channel(), ProgressInterval: progressInterval,
			ReportResolvedReference: &resolved,
		})
		return err
	}
	if pinned != nil {
		err = copyImage()
	} else {
		err = withNamesShared(s, copyImage)
	}
	pr.finish(err == nil)
	if err != nil {
		if pinned != nil {
			dropUnnamed(s, pinned, plan.image)
		}
		return nil, pullError(named, err)
	}
	_, simg, err := istorage.ResolveReference(resolved)
	if err != nil {
		return nil, storageError("reading pulled image", reference.FamiliarString(named), err)
	}
	if pinned != nil {
		// copy.Image named it too, but an rmi of another of its names
		// may have found it nameless before: it stayed (pinned), and the
		// name goes on under the lock.
		if err := nameImage(s, simg.ID, []string{named.String()}); err != nil {
			return nil, storageError("naming pulled image", reference.FamiliarString(named), err)
		}
	}
	img, err := lookupID(ctx, s, simg.ID, named)
	if err != nil {
		return nil, err
	}
	if out != nil {
		printPulled(out, s, sys, img, man, named, before == img.ID)
	}
	return img, nil
}

// printPulled writes docker's closing lines of a pull.
func printPulled(out io.Writer, s *storage.Store, sys *types.SystemContext, img *Image, man []byte, named reference.Named, unchanged bool) {
	if want, got := sys.ArchitectureChoice, img.Config.Architecture; want != "" && got != "" && want != got {
		fmt.Fprintf(out, "WARNING: image platform (%s/%s) does not match the requested platform (%s/%s)\n",
			img.Config.OS, got, sys.OSChoice, want)
	}
	fmt.Fprintf(out, "Digest: %s\n", pulledDigest(s, img, man))
	status := "Downloaded newer image"
	if unchanged {
		status = "Image is up to date"
	}
	fmt.Fprintf(out, "Status: %s for %s\n", status, reference.FamiliarString(named))
}

// pullError words a failed pull; a platform the image lacks gets its own
// hint.
func pullError(named reference.Named, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "no image found in image index for architecture") ||
		strings.Contains(msg, "no image found in manifest list for architecture") {
		return errdefs.NotFound("pulling %s: the image has no variant for this platform (%s); choose one with --platform",
			reference.FamiliarString(named), lastPart(msg))
	}
	return registryError("pulling", reference.FamiliarString(named), reference.Domain(named), err)
}

// lookupID returns image id with its configuration, found as named.
func lookupID(ctx context.Context, s *storage.Store, id string, named reference.Named) (*Image, error) {
	simg, err := s.Image(id)
	if err != nil {
		return nil, storageError("reading image", id, err)
	}
	oci, dcfg, err := readConfig(ctx, s, id)
	if err != nil {
		return nil, err
	}
	return &Image{Image: simg, Config: oci, Docker: dcfg, Named: named}, nil
}

// tagOrDigest is the first word of docker's "TAG: Pulling from REPO".
func tagOrDigest(named reference.Named) string {
	if c, ok := named.(reference.Canonical); ok {
		return c.Digest().String()
	}
	if t, ok := named.(reference.NamedTagged); ok {
		return t.Tag()
	}
	return "latest"
}

// pulledDigest is the digest docker prints: the manifest list's when the
// image came from one, else the image manifest's.
func pulledDigest(s *storage.Store, img *Image, man []byte) digest.Digest {
	instance, err := manifest.Digest(man)
	if err != nil {
		return img.Digest
	}
	if c, ok := img.Named.(reference.Canonical); ok {
		return c.Digest()
	}
	for _, d := range img.Digests {
		if d == instance {
			continue
		}
		b, err := s.ImageBigData(img.ID, "manifest-"+d.String())
		if err == nil && manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(b)) {
			return d
		}
	}
	return instance
}

// withPlatform returns sys choosing the platform "os/arch[/variant]".
func withPlatform(sys *types.SystemContext, platform string) (*types.SystemContext, error) {
	if platform == "" {
		return sys, nil
	}
	parts := strings.Split(platform, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return nil, errdefs.Invalid("invalid platform %q: use OS/ARCH[/VARIANT], e.g. linux/arm64", platform)
	}
	c := *sys
	c.OSChoice, c.ArchitectureChoice = parts[0], parts[1]
	if len(parts) == 3 {
		c.VariantChoice = parts[2]
	}
	return &c, nil
}

// RepositoryTags lists the tags of the repository name (pull --all-tags); name must
// not carry a tag or digest.
func RepositoryTags(ctx context.Context, sys *types.SystemContext, name string) (reference.Named, []string, error) {
	raw, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, nil, invalidReference(name, err)
	}
	if !reference.IsNameOnly(raw) {
		return nil, nil, errdefs.Invalid("tag can't be used with --all-tags/-a")
	}
	sys = ForRegistry(sys, raw)
	ref, err := docker.NewReference(reference.TagNameOnly(raw))
	if err != nil {
		return nil, nil, invalidReference(name, err)
	}
	tags, err := docker.GetRepositoryTags(ctx, sys, ref)
	if err != nil {
		return nil, nil, registryError("listing the tags of", raw.Name(), reference.Domain(raw), err)
	}
	return raw, tags, nil
}
