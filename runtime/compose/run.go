package compose

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/skiff-containers/skiff/internal/errdefs"
	labelflag "github.com/skiff-containers/skiff/internal/labels"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/mounts"
)

// ContainerFor is the service's container number index (0: the first
// one), for exec, cp, port and the like.
func (p *Project) ContainerFor(e *engine.Engine, service string, index int) (*container.Container, error) {
	if _, err := p.services([]string{service}); err != nil {
		return nil, err
	}
	cs, err := p.Containers(e, false)
	if err != nil {
		return nil, err
	}
	for _, c := range selected(cs, []string{service}) {
		if index == 0 || number(c) == index {
			return c, nil
		}
	}
	if index > 0 {
		return nil, fail(errdefs.NotFound("service %q is not running container #%d", service, index))
	}
	return nil, fail(errdefs.NotFound("service %q is not running", service))
}

// RunOptions are `compose run`'s flags.
type RunOptions struct {
	Service string
	Command []string
	// Entrypoint, when set, replaces the service's (--entrypoint).
	Entrypoint *string
	Name       string
	Env        []string
	User       string
	WorkingDir string
	Volumes    []string
	Publish    []string
	Labels     []string
	// ServicePorts publishes the service's ports (--service-ports);
	// without it none are, as docker compose does.
	ServicePorts bool
	NoDeps       bool
	Remove       bool
	Detach       bool
	Tty          bool
	Interactive  bool
	Up           UpOptions // how dependencies are brought up
}

// PrepareRun starts the service's dependencies (unless NoDeps), makes
// sure its image, networks and volumes exist, and returns run's options
// for a one-off container of the service (PROJECT-SERVICE-run-ID,
// labelled oneoff), which the caller runs as `run` does.
func (p *Project) PrepareRun(ctx context.Context, e *engine.Engine, o RunOptions) (*container.CreateOptions, error) {
	if err := p.enable([]string{o.Service}); err != nil {
		return nil, err
	}
	s, ok := p.Services[o.Service]
	if !ok {
		return nil, fail(fmt.Errorf("%w: %s", ErrNoSuchService, o.Service))
	}
	if !o.NoDeps {
		var deps []string
		for d := range s.DependsOn {
			if _, ok := p.Services[d]; ok {
				deps = append(deps, d)
			}
		}
		slices.Sort(deps)
		if len(deps) > 0 {
			up := o.Up
			up.Services = deps
			if _, err := p.Up(ctx, e, up); err != nil {
				return nil, err
			}
		}
	}
	ids, err := p.ensureImages(ctx, e, []string{o.Service}, o.Up.Build, o.Up.Pull, o.Up.BuildOptions)
	if err != nil {
		return nil, fail(err)
	}
	if err := p.ensureNetworks(e, []string{o.Service}, progress{o.Up.Progress}); err != nil {
		return nil, fail(err)
	}
	if err := p.ensureVolumes(e, []string{o.Service}, progress{o.Up.Progress}); err != nil {
		return nil, fail(err)
	}
	if !o.ServicePorts {
		s.Ports = nil
	}
	if len(o.Command) > 0 {
		s.Command = o.Command
	}
	c := &convergence{p: p, e: e}
	if err := resolveRefs(&s, c.firstContainer); err != nil {
		return nil, fail(err)
	}
	hash, err := ServiceHash(s)
	if err != nil {
		return nil, err
	}
	name := o.Name
	if name == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name = p.Name + "-" + s.Name + "-run-" + hex.EncodeToString(b)
	}
	labels := p.containerLabels(&s, 1, hash, ids[o.Service], true)
	co, err := p.CreateOptions(&s, name, labels, nil)
	if err != nil {
		return nil, fail(err)
	}
	co.Pull.Policy = "never"
	co.Detach, co.AutoRemove = o.Detach, o.Remove
	co.Spec.Tty, co.Spec.Interactive = o.Tty, o.Interactive
	co.Spec.Env = append(co.Spec.Env, o.Env...)
	co.Publish = append(co.Publish, o.Publish...)
	extra, err := labelflag.Parse(o.Labels)
	if err != nil {
		return nil, err
	}
	maps.Copy(co.Spec.Labels, extra)
	if o.User != "" {
		co.Spec.User = o.User
	}
	if o.WorkingDir != "" {
		co.Spec.WorkingDir = o.WorkingDir
	}
	if o.Entrypoint != nil {
		co.Spec.EntrypointList, co.Spec.Entrypoint = nil, o.Entrypoint
	}
	if len(o.Command) > 0 || o.Entrypoint != nil {
		co.Spec.Command = o.Command
	}
	if o.Remove {
		co.RestartPolicy = container.RestartPolicy{}
	}
	streams, err := container.ParseStreams(nil, o.Interactive)
	if err != nil {
		return nil, err
	}
	if !o.Detach {
		co.Streams = streams
	}
	cwd, _ := os.Getwd()
	for _, v := range o.Volumes {
		r, err := mounts.ParseVolume(mounts.AbsoluteBind(v, cwd))
		if err != nil {
			return nil, err
		}
		co.Requests = append(co.Requests, r)
	}
	return co, nil
}
