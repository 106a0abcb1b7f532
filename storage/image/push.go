package image

import (
	"context"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/storage"
)

// PushOptions are the choices of one push.
type PushOptions struct {
	// Quiet suppresses progress output.
	Quiet bool
	// Progress receives docker's push output (bars on a terminal, else one
	// line per layer). nil writes nothing.
	Progress io.Writer
	// AllTags pushes every local tag of the repository (push -a).
	AllTags bool
}

// PushReport says what was pushed.
type PushReport struct {
	Reference string        // familiar name:tag
	Digest    digest.Digest // manifest digest in the registry
	Size      int           // manifest size
}

// Push copies the local image name to the registry its name points at.
func Push(ctx context.Context, s *storage.Store, sys *types.SystemContext, name string, opts PushOptions) ([]PushReport, error) {
	named, err := Normalize(name)
	if err != nil {
		return nil, err
	}
	targets := []reference.Named{named}
	if opts.AllTags {
		if raw, _ := reference.ParseNormalizedNamed(name); raw == nil || !reference.IsNameOnly(raw) {
			return nil, errdefs.Invalid("tag can't be used with --all-tags/-a: give the repository only")
		}
		if targets, err = repoTagsOf(s, named); err != nil {
			return nil, err
		}
	}
	out := opts.Progress
	if opts.Quiet {
		out = nil
	}
	sys = withStoreCache(s, sys)
	var reports []PushReport
	header := "The push refers to repository [" + named.Name() + "]"
	for i, t := range targets {
		if i > 0 {
			header = ""
		}
		r, err := push(ctx, s, ForRegistry(sys, t), t, out, header)
		if err != nil {
			return reports, err
		}
		reports = append(reports, *r)
	}
	return reports, nil
}

// repoTagsOf lists the local tags of named's repository (push -a).
func repoTagsOf(s *storage.Store, named reference.Named) ([]reference.Named, error) {
	imgs, err := s.Images()
	if err != nil {
		return nil, err
	}
	var out []reference.Named
	for _, img := range imgs {
		tags, _ := splitNames(img.Names)
		for _, t := range tags {
			if t.Named.Name() == named.Name() {
				out = append(out, t.Named)
			}
		}
	}
	if len(out) == 0 {
		return nil, errdefs.NotFound("An image does not exist locally with the tag: %s", reference.FamiliarName(named))
	}
	return out, nil
}

func push(ctx context.Context, s *storage.Store, sys *types.SystemContext, named reference.Named, out io.Writer, header string) (*PushReport, error) {
	simg, err := s.Image(named.String())
	if err != nil {
		return nil, errdefs.NotFound("An image does not exist locally with the tag: %s; tag an image with that name first", reference.FamiliarString(named))
	}
	srcRef, err := istorage.Transport.NewStoreReference(s.Store, nil, simg.ID)
	if err != nil {
		return nil, err
	}
	destRef, err := docker.NewReference(named)
	if err != nil {
		return nil, invalidReference(named.String(), err)
	}
	if err := allowLoopbackMirrors(sys); err != nil {
		return nil, err
	}
	policy, err := PolicyContext(sys)
	if err != nil {
		return nil, fmt.Errorf("reading the signature policy: %s", oneLine(err.Error()))
	}
	defer func() { _ = policy.Destroy() }()
	pr := startProgress(out, pushWords, header)
	man, err := copy.Image(ctx, policy, destRef, srcRef, &copy.Options{
		SourceCtx: sys, DestinationCtx: sys,
		Progress: pr.channel(), ProgressInterval: progressInterval,
	})
	pr.finish(err == nil)
	if err != nil {
		return nil, registryError("pushing", reference.FamiliarString(named), reference.Domain(named), err)
	}
	d, err := manifest.Digest(man)
	if err != nil {
		return nil, err
	}
	r := &PushReport{Reference: reference.FamiliarString(named), Digest: d, Size: len(man)}
	if out != nil {
		fmt.Fprintf(out, "%s: digest: %s size: %d\n", tagOrDigest(named), d, len(man))
	}
	return r, nil
}
