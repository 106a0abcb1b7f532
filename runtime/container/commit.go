package container

import (
	"context"
	"fmt"
	"io"
	"strings"

	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/strslice"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
)

// CommitOptions are commit's flags.
type CommitOptions struct {
	// Reference is REPOSITORY[:TAG]; "" makes an untagged image.
	Reference string
	Changes   []string
	Author    string
	Message   string
	// Pause freezes a running container while its changes are read; when
	// PauseRequired is false and skiff cannot freeze here, it goes on
	// without (docker's default -p=true on a host without a freezer).
	Pause         bool
	PauseRequired bool
}

// Commit creates an image from the container's changes and its
// configuration, with --change applied.
func Commit(ctx context.Context, e *engine.Engine, ref string, o CommitOptions) (*image.Image, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	if c.Infra {
		return nil, errdefs.Invalid("container %s is a pod's infra container: it has no image to commit", c.Name)
	}
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	parent, err := image.Lookup(ctx, e, c.ImageID)
	if err != nil {
		return nil, fmt.Errorf("committing %s: its image: %w", c.ShortID(), err)
	}
	if o.Pause && c.State.Status == StatusRunning {
		thaw, err := c.pauseDuring(o.PauseRequired)
		if err != nil {
			return nil, err
		}
		defer thaw()
	}
	sc, err := s.Container(c.ID)
	if err != nil {
		return nil, fmt.Errorf("committing %s: %w", c.ShortID(), err)
	}
	open := func() (io.ReadCloser, error) {
		uncompressed := archive.Uncompressed
		diff, err := s.Diff("", sc.LayerID, &cstorage.DiffOptions{Compression: &uncompressed})
		if err != nil {
			return nil, fmt.Errorf("committing %s: reading its changes: %w", c.ShortID(), err)
		}
		pr, pw := io.Pipe()
		go func() {
			err := filterLayerTar(pw, diff)
			diff.Close() // releases the store's lock before the image is written
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
	return image.Commit(ctx, e, image.CommitOptions{
		Parent: parent, OpenLayer: open, Config: c.imageConfig(), Changes: o.Changes,
		Author: o.Author, Message: o.Message, Container: c.ID,
		CreatedBy: strings.Join(append([]string{c.Path}, c.Args...), " "), Reference: o.Reference,
	})
}

// imageConfig is the container's configuration as an image's, the way
// docker's commit carries it over.
func (c *Container) imageConfig() manifest.Schema2Config {
	cfg := manifest.Schema2Config{
		Hostname: c.Config.Hostname, Domainname: c.Config.Domainname, User: c.Config.User,
		Tty: c.Config.Tty, OpenStdin: c.Config.OpenStdin, StdinOnce: c.Config.StdinOnce,
		Cmd: strslice.StrSlice(c.Config.Cmd), Entrypoint: strslice.StrSlice(c.Config.Entrypoint),
		Image: c.ImageID, Volumes: c.Config.Volumes, WorkingDir: c.Config.WorkingDir,
		OnBuild: c.Config.OnBuild, Labels: c.Config.Labels, StopSignal: c.Config.StopSignal,
		StopTimeout: c.Config.StopTimeout,
	}
	for _, kv := range c.Config.Env {
		if kv == "HOSTNAME="+c.Config.Hostname {
			continue // added at create, not part of the image
		}
		cfg.Env = append(cfg.Env, kv)
	}
	if len(c.Config.ExposedPorts) > 0 {
		cfg.ExposedPorts = manifest.Schema2PortSet{}
		for p := range c.Config.ExposedPorts {
			cfg.ExposedPorts[manifest.Schema2Port(p)] = struct{}{}
		}
	}
	if h := c.Config.Healthcheck; h != nil {
		cfg.Healthcheck = &manifest.Schema2HealthConfig{
			Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod,
			StartInterval: h.StartInterval, Retries: h.Retries,
		}
	}
	return cfg
}
