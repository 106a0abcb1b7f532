package compose

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/build"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
)

// Exit codes docker compose gives a failed build and a failed pull.
const (
	ExitBuildFailed = 17
	ExitPullFailed  = 18
)

// BuildOptions are `compose build`'s flags (and what `up --build` uses).
type BuildOptions struct {
	NoCache bool
	Pull    bool
	// Args are --build-arg values, over the files' build args.
	Args map[string]string
	// Out receives the builds' output, Warn warnings (nil: discarded).
	Out, Warn io.Writer
}

// Build builds the named services' images (all with a build section when
// none are named), one after the other.
func (p *Project) Build(ctx context.Context, e *engine.Engine, services []string, o BuildOptions) error {
	names, err := p.services(services)
	if err != nil {
		return err
	}
	for _, name := range names {
		s := p.Services[name]
		if s.Build == nil {
			continue
		}
		if _, err := p.buildService(ctx, e, &s, o); err != nil {
			return err
		}
	}
	return nil
}

// buildService builds one service's image and tags it with its image
// name (PROJECT-SERVICE without image:) and build.tags.
func (p *Project) buildService(ctx context.Context, e *engine.Engine, s *types.ServiceConfig, o BuildOptions) (*image.Image, error) {
	bo, err := p.buildOptions(s, o)
	if err != nil {
		return nil, err
	}
	rep, err := build.Build(ctx, e, bo)
	if err != nil {
		return nil, errdefs.WithExitCode(ExitBuildFailed, fmt.Errorf("service %q failed to build: %w", s.Name, err))
	}
	return image.Lookup(ctx, e, rep.ID)
}

// buildOptions are the options `build` would be given for the service's
// build section; what skiff's builder cannot do is refused with one
// line naming it (cache_from and cache_to are hints it may ignore, as
// docker's classic builder does).
func (p *Project) buildOptions(s *types.ServiceConfig, o BuildOptions) (build.Options, error) {
	b := s.Build
	if strings.Contains(b.Context, "://") || strings.HasPrefix(b.Context, "git@") {
		return build.Options{}, serviceErr(s, "build context %s: skiff builds from a local directory only", b.Context)
	}
	for _, f := range []struct {
		set  bool
		name string
	}{
		{len(b.Platforms) > 1, "build.platforms (more than one: skiff builds for this machine's platform only)"},
		{len(b.AdditionalContexts) > 0, "build.additional_contexts"}, {len(b.SSH) > 0, "build.ssh"},
		{len(b.ExtraHosts) > 0, "build.extra_hosts"}, {b.ShmSize > 0, "build.shm_size"},
		{len(b.Ulimits) > 0, "build.ulimits"}, {b.Privileged, "build.privileged"},
		{len(b.Entitlements) > 0, "build.entitlements"}, {len(b.NoCacheFilter) > 0, "build.no_cache_filter"},
		{b.Isolation != "" && b.Isolation != "default", "build.isolation"},
	} {
		if f.set {
			return build.Options{}, serviceErr(s, "%s is not supported by skiff's builder; remove it", f.name)
		}
	}
	bo := build.Options{
		Context: b.Context, Target: b.Target, NoCache: o.NoCache || b.NoCache, Pull: o.Pull || b.Pull,
		Tags: append([]string{imageName(p.Name, s)}, b.Tags...), Labels: maps.Clone(b.Labels),
		BuildArgs: map[string]string{}, Network: b.Network, Out: o.Out, Warn: o.Warn,
		PullOptions: image.PullOptions{Progress: o.Out},
	}
	for k, v := range b.Args {
		if v != nil {
			bo.BuildArgs[k] = *v
		}
	}
	maps.Copy(bo.BuildArgs, o.Args)
	switch {
	case b.DockerfileInline != "":
		bo.Dockerfile, bo.Stdin = "-", strings.NewReader(b.DockerfileInline)
	case b.Dockerfile != "":
		bo.Dockerfile = b.Dockerfile
		if !filepath.IsAbs(bo.Dockerfile) {
			bo.Dockerfile = filepath.Join(b.Context, b.Dockerfile)
		}
	}
	secrets, err := p.buildSecrets(s)
	if err != nil {
		return build.Options{}, err
	}
	bo.Secrets = secrets
	return bo, nil
}

// buildSecrets reads the secrets a service's build names.
func (p *Project) buildSecrets(s *types.ServiceConfig) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, ref := range s.Build.Secrets {
		obj, ok := p.Secrets[ref.Source]
		if !ok {
			return nil, serviceErr(s, "build secret %s is not declared in the project's secrets", ref.Source)
		}
		id := ref.Source
		if ref.Target != "" {
			id = ref.Target
		}
		switch {
		case obj.File != "":
			b, err := os.ReadFile(obj.File)
			if err != nil {
				return nil, serviceErr(s, "build secret %s: %v", ref.Source, err)
			}
			out[id] = b
		case obj.Environment != "":
			out[id] = []byte(p.Project.Environment[obj.Environment])
		default:
			out[id] = []byte(obj.Content)
		}
	}
	return out, nil
}

// PullOptions are `compose pull`'s flags and up's --pull.
type PullOptions struct {
	// Policy is up's --pull: always, missing, never or "" (each
	// service's pull_policy).
	Policy string
	// IgnoreFailures is pull's --ignore-pull-failures.
	IgnoreFailures bool
	Quiet          bool
	Progress       io.Writer
}

// Pull pulls the named services' images (all when none are named) in
// parallel; services that are built and have no image: are skipped.
func (p *Project) Pull(ctx context.Context, e *engine.Engine, services []string, o PullOptions) error {
	names, err := p.services(services)
	if err != nil {
		return err
	}
	var todo []*types.ServiceConfig
	for _, name := range names {
		s := p.Services[name]
		if s.Image == "" || (s.Build != nil && s.PullPolicy == types.PullPolicyBuild) {
			continue
		}
		todo = append(todo, &s)
	}
	return parallel(todo, func(s *types.ServiceConfig) error {
		_, err := image.Pull(ctx, e, s.Image, image.PullOptions{Quiet: o.Quiet, Progress: o.Progress, Platform: s.Platform})
		if err != nil && !o.IgnoreFailures {
			return errdefs.WithExitCode(ExitPullFailed, fmt.Errorf("service %q: pulling %s: %w", s.Name, s.Image, err))
		}
		return nil
	})
}

// Push pushes the named services' images that have a build section and
// an image name.
func (p *Project) Push(ctx context.Context, e *engine.Engine, services []string, ignoreFailures bool, progress io.Writer) error {
	names, err := p.services(services)
	if err != nil {
		return err
	}
	for _, name := range names {
		s := p.Services[name]
		if s.Build == nil || s.Image == "" {
			continue
		}
		if _, err := image.Push(ctx, e, s.Image, image.PushOptions{Progress: progress}); err != nil && !ignoreFailures {
			return fmt.Errorf("service %q: pushing %s: %w", s.Name, s.Image, err)
		}
	}
	return nil
}

// ensureImages makes every service's image present before anything
// changes (so a missing image or a failed build leaves what runs as it
// was): built when the service has a build section and its image is
// missing (or always with build "always", never with "never"), pulled
// as the pull policy says, in parallel. It returns the image IDs by
// service.
func (p *Project) ensureImages(ctx context.Context, e *engine.Engine, names []string, buildMode string, pull PullOptions, bo BuildOptions) (map[string]string, error) {
	ids := map[string]string{}
	var mu sync.Mutex
	var toPull []*types.ServiceConfig
	for _, name := range names {
		s := p.Services[name]
		ref := imageName(p.Name, &s)
		if s.Build != nil && buildMode != BuildNever {
			_, err := image.Lookup(ctx, e, ref)
			if buildMode == BuildAlways || s.PullPolicy == types.PullPolicyBuild || errdefs.IsNotFound(err) {
				img, err := p.buildService(ctx, e, &s, bo)
				if err != nil {
					return nil, err
				}
				ids[name] = img.ID
				continue
			}
		}
		toPull = append(toPull, &s)
	}
	err := parallel(toPull, func(s *types.ServiceConfig) error {
		policy := pullPolicy(s, pull.Policy)
		ref := imageName(p.Name, s)
		img, err := image.Ensure(ctx, e, ref, image.EnsureOptions{Policy: policy,
			PullOptions: image.PullOptions{Quiet: pull.Quiet, Progress: pull.Progress, Platform: s.Platform}})
		if err != nil {
			if errdefs.IsNotFound(err) && s.Build != nil {
				return serviceErr(s, "image %s is missing and --no-build was given", ref)
			}
			if errdefs.IsNotFound(err) && policy == image.PullNever {
				// nothing was pulled: docker compose fails creating the
				// container, a failure of its own (exit 1), not a pull's
				return fail(fmt.Errorf("service %q: %w (pull policy never)", s.Name, err))
			}
			return errdefs.WithExitCode(ExitPullFailed, fmt.Errorf("service %q: %w", s.Name, err))
		}
		mu.Lock()
		ids[s.Name] = img.ID
		mu.Unlock()
		return nil
	})
	return ids, err
}

// Build modes of up (--build, --no-build).
const (
	BuildMissing = ""
	BuildAlways  = "always"
	BuildNever   = "never"
)

// pullPolicy is the policy of image.Ensure for a service: up's --pull,
// else its pull_policy.
func pullPolicy(s *types.ServiceConfig, flag string) string {
	p := flag
	if p == "" {
		p = s.PullPolicy
	}
	switch p {
	case types.PullPolicyAlways:
		return image.PullAlways
	case types.PullPolicyNever, types.PullPolicyBuild:
		return image.PullNever
	}
	return image.PullMissing
}

// parallel runs fn for each item at once and returns the first error
// (by the items' order).
func parallel[T any](items []T, fn func(T) error) error {
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(it)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Images lists the images the project's services use (config --images).
func (p *Project) Images() []string {
	var out []string
	for _, n := range p.ServiceNames() {
		s := p.Services[n]
		if ref := imageName(p.Name, &s); !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}
