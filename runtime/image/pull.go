package image

import (
	"context"
	"fmt"
	"io"

	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/events"
	simage "github.com/skiff-containers/skiff/storage/image"
)

// PullOptions are the choices of one pull.
type PullOptions struct {
	// Quiet suppresses the progress output.
	Quiet bool
	// Progress receives docker's pull output: bars when it is a terminal,
	// else one line per layer. nil writes nothing.
	Progress io.Writer
	// Platform is "os/arch[/variant]"; "" is this machine's.
	Platform string
	// TLSVerify overrides the registry's TLS verification (--tls-verify).
	TLSVerify *bool
}

// Pull copies name from its registry (or a mirror) into the store and
// records the pull event.
func Pull(ctx context.Context, e *engine.Engine, name string, o PullOptions) (*Image, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	img, err := simage.Pull(ctx, s, sysContext(e, o.TLSVerify), name, simage.PullOptions{
		Quiet: o.Quiet, Progress: o.Progress, Platform: o.Platform,
	})
	if err != nil {
		return nil, err
	}
	ref := img.Named.String()
	events.Record(e, events.Image, "pull", ref, map[string]string{"name": ref})
	return img, nil
}

// PullAllTags pulls every tag of the repository name (pull --all-tags),
// each with its event, and returns the repository's name.
func PullAllTags(ctx context.Context, e *engine.Engine, name string, o PullOptions) (string, error) {
	repo, tags, err := simage.RepositoryTags(ctx, sysContext(e, o.TLSVerify), name)
	if err != nil {
		return "", err
	}
	for _, tag := range tags {
		if _, err := Pull(ctx, e, repo.Name()+":"+tag, o); err != nil {
			return "", err
		}
	}
	return repo.Name(), nil
}

// Pull policies of EnsureOptions (run's and create's --pull).
const (
	PullMissing = "missing"
	PullAlways  = "always"
	PullNever   = "never"
)

// EnsureOptions say when Ensure pulls, and how.
type EnsureOptions struct {
	// Policy is PullMissing (""), PullAlways or PullNever.
	Policy string
	PullOptions
}

// Ensure returns the image a container is created from: the local one,
// pulled first (with the pull event) when the policy says so; docker's
// "Unable to find image locally" goes to Progress.
func Ensure(ctx context.Context, e *engine.Engine, name string, o EnsureOptions) (*Image, error) {
	if o.Policy != PullAlways {
		img, err := Lookup(ctx, e, name)
		if err == nil || o.Policy == PullNever || !errdefs.IsNotFound(err) {
			return img, err
		}
		if o.Progress != nil {
			shown := name
			if ref, err := simage.Normalize(name); err == nil {
				shown = reference.FamiliarString(ref)
			}
			fmt.Fprintf(o.Progress, "Unable to find image '%s' locally\n", shown)
		}
	}
	return Pull(ctx, e, name, o.PullOptions)
}

// Lookup finds a local image by name or ID.
func Lookup(ctx context.Context, e *engine.Engine, name string) (*Image, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	return simage.Lookup(ctx, s, name)
}
