package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
)

// DownOptions are down's flags.
type DownOptions struct {
	// Volumes (-v) removes the project's named volumes and the
	// containers' anonymous ones.
	Volumes bool
	// RemoveImages is --rmi: "local" (images built without an image
	// name) or "all".
	RemoveImages  string
	RemoveOrphans bool
	Timeout       *time.Duration
	Progress      io.Writer
	Warn          io.Writer
}

// Down stops and removes the project's containers (dependents first),
// then its networks, and with -v its volumes: exactly what up made,
// found by the project's label.
func (p *Project) Down(ctx context.Context, e *engine.Engine, o DownOptions) error {
	pr := progress{o.Progress}
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	cs, err := p.Containers(e, true)
	if err != nil {
		return err
	}
	var orphans []string
	cs = slices.DeleteFunc(cs, func(c *container.Container) bool {
		if p.declares(ServiceOf(c)) || !p.servicesKnown || o.RemoveOrphans {
			return false
		}
		orphans = append(orphans, c.Name)
		return true
	})
	err = p.inReverseOrder(cs, func(c *container.Container) error {
		pr.event("Container", c.Name, "Stopping")
		if err := container.Stop(ctx, e, c.ID, container.StopOptions{Timeout: o.Timeout}); err != nil && !errdefs.IsNotFound(err) {
			return err
		}
		pr.event("Container", c.Name, "Stopped")
		pr.event("Container", c.Name, "Removing")
		if err := container.Remove(e, c.ID, container.RemoveOptions{Force: true, Volumes: o.Volumes}); err != nil && !errdefs.IsNotFound(err) {
			return err
		}
		pr.event("Container", c.Name, "Removed")
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if len(orphans) > 0 {
		fmt.Fprintf(o.Warn, "WARN[0000] Found orphan containers (%s) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n", joinNames(orphans))
	} else if err := p.removeNetworks(e, pr, o.Warn); err != nil {
		return fail(err)
	}
	if o.Volumes {
		if err := p.removeVolumes(e, pr, o.Warn); err != nil {
			return fail(err)
		}
	}
	return p.removeImages(ctx, e, o.RemoveImages, pr, o.Warn)
}

// removeImages is down --rmi.
func (p *Project) removeImages(ctx context.Context, e *engine.Engine, which string, pr progress, warn io.Writer) error {
	switch which {
	case "":
		return nil
	case "local", "all":
	default:
		return errdefs.Invalid("invalid --rmi %q: use local or all", which)
	}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if which == "local" && s.Image != "" {
			continue
		}
		ref := imageName(p.Name, &s)
		pr.event("Image", ref, "Removing")
		if _, err := image.Remove(ctx, e, ref, image.RemoveOptions{}); err != nil {
			if !errdefs.IsNotFound(err) {
				fmt.Fprintf(warn, "WARNING: image %s not removed: %v\n", ref, err)
			}
			continue
		}
		pr.event("Image", ref, "Removed")
	}
	return nil
}

// inReverseOrder runs fn on the containers, dependents before the
// services they depend on, independent ones in parallel.
func (p *Project) inReverseOrder(cs []*container.Container, fn func(*container.Container) error) error {
	levels := p.levels(cs)
	for i := len(levels) - 1; i >= 0; i-- {
		if err := parallel(inLevel(cs, levels[i]), fn); err != nil {
			return err
		}
	}
	return nil
}

// inOrder runs fn on the containers, dependencies first.
func (p *Project) inOrder(cs []*container.Container, fn func(*container.Container) error) error {
	for _, level := range p.levels(cs) {
		if err := parallel(inLevel(cs, level), fn); err != nil {
			return err
		}
	}
	return nil
}

func inLevel(cs []*container.Container, level map[string]bool) []*container.Container {
	var out []*container.Container
	for _, c := range cs {
		if level[ServiceOf(c)] {
			out = append(out, c)
		}
	}
	return out
}

// levels groups the services of the project and of the containers by
// dependency depth: level 0 depends on nothing, level n on services of
// lower levels only.
func (p *Project) levels(cs []*container.Container) []map[string]bool {
	deps := p.dependencies(cs)
	depth := map[string]int{}
	var visit func(string, map[string]bool) int
	visit = func(n string, seen map[string]bool) int {
		if d, ok := depth[n]; ok {
			return d
		}
		if seen[n] {
			return 0 // a cycle: compose-go refuses them at load
		}
		seen[n] = true
		d := 0
		for _, dep := range deps[n] {
			if _, ok := deps[dep]; ok {
				d = max(d, visit(dep, seen)+1)
			}
		}
		depth[n] = d
		return d
	}
	var out []map[string]bool
	for _, n := range slices.Sorted(maps.Keys(deps)) {
		d := visit(n, map[string]bool{})
		for len(out) <= d {
			out = append(out, map[string]bool{})
		}
		out[d][n] = true
	}
	return out
}

// dependencies maps each service of the project and of the containers
// to the services it depends on: the model's depends_on, and where the
// model is not loaded (ps, down, stop, ... read no more than the names)
// or lacks the service, the depends_on label its containers were
// created with, as docker compose reads it without files.
func (p *Project) dependencies(cs []*container.Container) map[string][]string {
	deps := map[string][]string{}
	for name, s := range p.Services {
		deps[name] = slices.Sorted(maps.Keys(s.DependsOn))
	}
	for _, c := range cs {
		name := ServiceOf(c)
		if len(deps[name]) > 0 || (p.Loaded && p.Services[name].Name != "") {
			continue
		}
		deps[name] = nil
		for _, d := range strings.Split(c.Config.Labels[LabelDependsOn], ",") {
			if svc, _, _ := strings.Cut(d, ":"); svc != "" && !slices.Contains(deps[name], svc) {
				deps[name] = append(deps[name], svc)
			}
		}
	}
	return deps
}

// forEach runs fn on the containers of the named services (all when none
// are named), reporting each with verb and done as docker compose does.
func (p *Project) forEach(e *engine.Engine, services []string, oneoff, reverse bool, pr progress, verb, done string, fn func(*container.Container) error) error {
	if _, err := p.services(services); err != nil {
		return err
	}
	cs, err := p.Containers(e, oneoff)
	if err != nil {
		return err
	}
	cs = selected(cs, services)
	each := func(c *container.Container) error {
		pr.event("Container", c.Name, verb)
		if err := fn(c); err != nil {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
		pr.event("Container", c.Name, done)
		return nil
	}
	if reverse {
		return fail(p.inReverseOrder(cs, each))
	}
	return fail(p.inOrder(cs, each))
}

// Stop stops the services' containers, dependents first. It is a user
// stop: restart policies leave them stopped.
func (p *Project) Stop(ctx context.Context, e *engine.Engine, services []string, timeout *time.Duration, w io.Writer) error {
	return p.forEach(e, services, false, true, progress{w}, "Stopping", "Stopped", func(c *container.Container) error {
		return container.Stop(ctx, e, c.ID, container.StopOptions{Timeout: timeout})
	})
}

// Start starts the services' existing containers, dependencies first.
func (p *Project) Start(ctx context.Context, e *engine.Engine, services []string, w io.Writer) error {
	return p.forEach(e, services, false, false, progress{w}, "Starting", "Started", func(c *container.Container) error {
		if c.State.Running() {
			return nil
		}
		_, _, err := container.Start(ctx, e, c.ID, nil)
		if errors.Is(err, container.ErrAlreadyRunning) {
			return nil
		}
		return err
	})
}

// Restart restarts the services' containers, dependencies first, and
// unless noDeps those of the services depending on them with
// depends_on restart: true, as docker compose does.
func (p *Project) Restart(ctx context.Context, e *engine.Engine, services []string, noDeps bool, timeout *time.Duration, w io.Writer) error {
	if len(services) > 0 && !noDeps {
		if _, err := p.services(services); err != nil {
			return err
		}
		cs, err := p.Containers(e, false)
		if err != nil {
			return err
		}
		services = p.restartDependents(cs, services)
	}
	return p.forEach(e, services, false, false, progress{w}, "Restarting", "Started", func(c *container.Container) error {
		return container.Restart(ctx, e, c.ID, container.StopOptions{Timeout: timeout})
	})
}

// restartDependents adds to services, transitively, the services that
// depend on one of them with restart: true (from the model, else from
// the containers' depends_on labels).
func (p *Project) restartDependents(cs []*container.Container, services []string) []string {
	restarts := map[string][]string{} // service -> services it restarts with
	for name, s := range p.Services {
		for dep, d := range s.DependsOn {
			if d.Restart {
				restarts[dep] = append(restarts[dep], name)
			}
		}
	}
	for _, c := range cs {
		name := ServiceOf(c)
		if p.Loaded && p.Services[name].Name != "" {
			continue
		}
		for _, d := range strings.Split(c.Config.Labels[LabelDependsOn], ",") {
			if f := strings.Split(d, ":"); len(f) == 3 && f[2] == "true" && !slices.Contains(restarts[f[0]], name) {
				restarts[f[0]] = append(restarts[f[0]], name)
			}
		}
	}
	out := slices.Clone(services)
	for i := 0; i < len(out); i++ {
		for _, dependent := range restarts[out[i]] {
			if !slices.Contains(out, dependent) {
				out = append(out, dependent)
			}
		}
	}
	return out
}

// Kill sends sig to the services' running containers.
func (p *Project) Kill(e *engine.Engine, services []string, sig unix.Signal, w io.Writer) error {
	return p.forEach(e, services, false, true, progress{w}, "Killing", "Killed", func(c *container.Container) error {
		if !c.State.Running() {
			return nil
		}
		err := container.Kill(e, c.ID, sig)
		if errors.Is(err, errdefs.ErrConflict) {
			return nil // stopped meanwhile
		}
		return err
	})
}

// Pause and Unpause freeze and thaw the services' containers.
func (p *Project) Pause(e *engine.Engine, services []string, w io.Writer) error {
	return p.forEach(e, services, false, false, progress{w}, "Pausing", "Paused", func(c *container.Container) error {
		return container.Pause(e, c.ID)
	})
}

// Unpause thaws the services' paused containers.
func (p *Project) Unpause(e *engine.Engine, services []string, w io.Writer) error {
	return p.forEach(e, services, false, false, progress{w}, "Unpausing", "Unpaused", func(c *container.Container) error {
		return container.Unpause(e, c.ID)
	})
}

// RemoveOptions are rm's flags.
type RemoveOptions struct {
	Stop    bool // -s: stop running containers first
	Volumes bool // -v: their anonymous volumes too
	Timeout *time.Duration
}

// Remove removes the services' stopped containers (with Stop, running
// ones after stopping them) and returns the names of those it removed.
func (p *Project) Remove(ctx context.Context, e *engine.Engine, services []string, o RemoveOptions, w io.Writer) error {
	return p.forEach(e, services, true, true, progress{w}, "Removing", "Removed", func(c *container.Container) error {
		if c.State.Running() {
			if !o.Stop {
				return nil
			}
			if err := container.Stop(ctx, e, c.ID, container.StopOptions{Timeout: o.Timeout}); err != nil {
				return err
			}
		}
		return container.Remove(e, c.ID, container.RemoveOptions{Volumes: o.Volumes})
	})
}
