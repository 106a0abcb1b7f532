package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Recreate policies of up (--force-recreate, --no-recreate).
const (
	RecreateDiverged = ""
	RecreateForce    = "force"
	RecreateNever    = "never"
)

// UpOptions are up's and create's flags.
type UpOptions struct {
	// Services are the services named (all when none); their
	// dependencies come along unless NoDeps.
	Services []string
	NoDeps   bool
	// Build is BuildMissing, BuildAlways (--build) or BuildNever
	// (--no-build).
	Build        string
	BuildOptions BuildOptions
	Pull         PullOptions
	// Recreate is RecreateDiverged, RecreateForce or RecreateNever for
	// the services named; dependencies are only recreated when diverged.
	Recreate string
	// Scale overrides services' replicas (--scale SVC=N).
	Scale         map[string]int
	RemoveOrphans bool
	// NoStart only creates (create, up --no-start).
	NoStart bool
	// Timeout is -t for the containers up stops (recreate, scale down).
	Timeout *time.Duration
	// Progress receives docker compose's progress lines; Warn warnings.
	Progress, Warn io.Writer
}

// UpReport says what up did to each container, for an attached up that
// streams their logs.
type UpReport struct {
	// Containers are the service containers, by service and number.
	Containers []*container.Container
	// Fresh are those created or started by this up (their logs are
	// shown from the start; the others' from now).
	Fresh map[string]bool
}

// Up creates the project's networks and volumes, builds and pulls its
// images, and converges each service's containers with the files:
// creates what is missing, recreates what diverged (config hash, image)
// and starts what is stopped, service after service in dependency
// order, services that do not depend on each other in parallel. Each
// service waits for its dependencies' conditions (started, healthy,
// completed successfully) and a failed one is named.
func (p *Project) Up(ctx context.Context, e *engine.Engine, o UpOptions) (*UpReport, error) {
	pr := progress{o.Progress}
	if err := p.enable(o.Services); err != nil {
		return nil, err
	}
	names, err := p.selection(o.Services, o.NoDeps)
	if err != nil {
		return nil, err
	}
	for name, n := range o.Scale {
		s, ok := p.Services[name]
		if !ok {
			return nil, fail(fmt.Errorf("%w: %s", ErrNoSuchService, name))
		}
		s.SetScale(n)
		p.Services[name] = s
	}
	for _, name := range names {
		s := p.Services[name]
		if s.GetScale() > 1 && s.ContainerName != "" {
			return nil, fail(serviceErr(&s, "container_name %q cannot be used with more than one replica: remove it to scale the service", s.ContainerName))
		}
	}
	ids, err := p.ensureImages(ctx, e, names, o.Build, o.Pull, o.BuildOptions)
	if err != nil {
		return nil, fail(err)
	}
	if err := p.ensureNetworks(e, names, pr); err != nil {
		return nil, fail(err)
	}
	if err := p.ensureVolumes(e, names, pr); err != nil {
		return nil, fail(err)
	}
	observed, err := p.Containers(e, false)
	if err != nil {
		return nil, err
	}
	if err := p.orphans(e, observed, o, pr); err != nil {
		return nil, err
	}
	c := &convergence{p: p, e: e, o: o, pr: pr, images: ids, names: names,
		state: map[string][]*container.Container{}, done: map[string]chan struct{}{}, failed: map[string]error{},
		fresh: map[string]bool{}}
	for _, ctr := range observed {
		c.state[ServiceOf(ctr)] = append(c.state[ServiceOf(ctr)], ctr)
	}
	for _, n := range names {
		c.done[n] = make(chan struct{})
	}
	if err := c.run(ctx); err != nil {
		return nil, fail(err)
	}
	rep := &UpReport{Fresh: c.fresh}
	for _, n := range names {
		rep.Containers = append(rep.Containers, c.state[n]...)
	}
	return rep, nil
}

// selection is the services named and, unless noDeps, what they
// depend on, in the project's order.
func (p *Project) selection(names []string, noDeps bool) ([]string, error) {
	if _, err := p.services(names); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return p.ServiceNames(), nil
	}
	want := map[string]bool{}
	var add func(string)
	add = func(n string) {
		if want[n] {
			return
		}
		want[n] = true
		if noDeps {
			return
		}
		for dep := range p.Services[n].DependsOn {
			if _, ok := p.Services[dep]; ok {
				add(dep)
			}
		}
	}
	for _, n := range names {
		add(n)
	}
	var out []string
	for _, n := range p.ServiceNames() {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// orphans warns about (or with --remove-orphans removes) containers of
// services the files no longer have.
func (p *Project) orphans(e *engine.Engine, observed []*container.Container, o UpOptions, pr progress) error {
	var names []string
	for _, c := range observed {
		if p.declares(ServiceOf(c)) {
			continue
		}
		if o.RemoveOrphans {
			pr.event("Container", c.Name, "Removing")
			if err := container.Remove(e, c.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
				return err
			}
			pr.event("Container", c.Name, "Removed")
			continue
		}
		names = append(names, c.Name)
	}
	if len(names) > 0 && o.Warn != nil {
		fmt.Fprintf(o.Warn, "WARN[0000] Found orphan containers (%s) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n",
			joinNames(names))
	}
	return nil
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// convergence is one up's work: each service in a goroutine that waits
// for its dependencies.
type convergence struct {
	p      *Project
	e      *engine.Engine
	o      UpOptions
	pr     progress
	images map[string]string
	names  []string

	mu     sync.Mutex
	state  map[string][]*container.Container // observed, then converged
	done   map[string]chan struct{}          // closed when the service converged (or failed)
	failed map[string]error
	fresh  map[string]bool
}

func (c *convergence) run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, name := range c.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(c.done[name])
			if err := c.service(ctx, name); err != nil {
				c.mu.Lock()
				c.failed[name] = err
				c.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, name := range c.names {
		if err := c.failed[name]; err != nil && !errors.Is(err, errDependency) {
			return err
		}
	}
	for _, name := range c.names {
		if err := c.failed[name]; err != nil {
			return err
		}
	}
	return nil
}

// errDependency marks a service that did not start because a
// dependency failed (the dependency's own error is the one reported).
var errDependency = errors.New("dependency failed to start")

// service converges one service once its dependencies are ready.
func (c *convergence) service(ctx context.Context, name string) error {
	s := c.p.Services[name]
	if err := c.waitDependencies(ctx, &s); err != nil {
		return err
	}
	if err := resolveRefs(&s, c.firstContainer); err != nil {
		return err
	}
	hash, err := ServiceHash(s)
	if err != nil {
		return err
	}
	recreate := c.o.Recreate
	if len(c.o.Services) > 0 && !slices.Contains(c.o.Services, name) && recreate == RecreateForce {
		recreate = RecreateDiverged // docker compose: dependencies only when diverged
	}
	c.mu.Lock()
	observed := c.state[name]
	c.mu.Unlock()
	want := s.GetScale()
	var keep []*container.Container
	var obsolete []*container.Container
	for _, ctr := range observed {
		n := number(ctr)
		switch {
		case ctr.Config.Labels[LabelOneoff] == "True":
			continue
		case len(keep) >= want, slices.ContainsFunc(keep, func(k *container.Container) bool { return number(k) == n }):
			obsolete = append(obsolete, ctr)
		case recreate == RecreateNever:
			keep = append(keep, ctr)
		case recreate == RecreateForce || ctr.Config.Labels[LabelConfigHash] != hash ||
			imageLabel(ctr.Config.Labels[LabelImage]) != imageLabel(c.images[name]) || ctr.Name != ContainerName(c.p.Name, &s, n):
			obsolete = append(obsolete, ctr)
			keep = append(keep, placeholder(n, ctr.ID)) // a new container takes its number
		default:
			keep = append(keep, ctr)
		}
	}
	if len(obsolete) > 0 {
		c.stopDependents(ctx, name)
	}
	for _, old := range obsolete {
		if err := c.remove(ctx, old); err != nil {
			return err
		}
	}
	return c.converge(ctx, &s, hash, keep, want)
}

// converge creates the missing containers (new numbers, or the numbers
// of the ones just removed) and starts them all, in parallel.
func (c *convergence) converge(ctx context.Context, s *types.ServiceConfig, hash string, keep []*container.Container, want int) error {
	next := 1
	for _, k := range keep {
		next = max(next, number(k)+1)
	}
	for len(keep) < want {
		keep = append(keep, placeholder(next, ""))
		next++
	}
	out := make([]*container.Container, len(keep))
	err := parallel(indexes(len(keep)), func(i int) error {
		ctr := keep[i]
		if ctr.ID == "" {
			var err error
			if ctr, err = c.create(ctx, s, hash, number(ctr), ctr.Config.Labels[LabelReplace]); err != nil {
				return err
			}
		}
		out[i] = ctr
		if c.o.NoStart {
			return nil
		}
		return c.start(ctx, s, ctr)
	})
	c.mu.Lock()
	c.state[s.Name] = slices.DeleteFunc(out, func(x *container.Container) bool { return x == nil })
	c.mu.Unlock()
	return err
}

// placeholder stands for container number n, to be created (replacing
// the container replaces, if any).
func placeholder(n int, replaces string) *container.Container {
	ph := &container.Container{}
	ph.Config.Labels = map[string]string{LabelNumber: fmt.Sprint(n), LabelReplace: replaces}
	return ph
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// create makes container number n of the service.
func (c *convergence) create(ctx context.Context, s *types.ServiceConfig, hash string, n int, replaces string) (*container.Container, error) {
	name := ContainerName(c.p.Name, s, n)
	labels := c.p.containerLabels(s, n, hash, c.images[s.Name], false)
	if replaces != "" {
		labels[LabelReplace] = replaces
	}
	o, err := c.p.CreateOptions(s, name, labels, nil)
	if err != nil {
		return nil, err
	}
	o.Warnings = c.o.Warn
	c.pr.event("Container", name, "Creating")
	ctr, err := container.Create(ctx, c.e, *o)
	if err != nil {
		return nil, fmt.Errorf("service %q: creating container %s: %w", s.Name, name, err)
	}
	c.pr.event("Container", name, "Created")
	c.mu.Lock()
	c.fresh[ctr.ID] = true
	c.mu.Unlock()
	return ctr, nil
}

// start starts a container that is not running.
func (c *convergence) start(ctx context.Context, s *types.ServiceConfig, ctr *container.Container) error {
	if fresh, err := container.Lookup(c.e, ctr.ID); err == nil {
		*ctr = *fresh
	}
	if ctr.State.Running() {
		c.pr.event("Container", ctr.Name, "Running")
		return nil
	}
	c.pr.event("Container", ctr.Name, "Starting")
	if _, _, err := container.Start(ctx, c.e, ctr.ID, nil); err != nil && !errors.Is(err, container.ErrAlreadyRunning) {
		return fmt.Errorf("service %q: starting container %s: %w", s.Name, ctr.Name, err)
	}
	c.mu.Lock()
	c.fresh[ctr.ID] = true
	c.mu.Unlock()
	c.pr.event("Container", ctr.Name, "Started")
	return nil
}

// remove stops and removes an obsolete container.
func (c *convergence) remove(ctx context.Context, ctr *container.Container) error {
	c.pr.event("Container", ctr.Name, "Recreate")
	if err := container.Stop(ctx, c.e, ctr.ID, container.StopOptions{Timeout: c.o.Timeout}); err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	if err := container.Remove(c.e, ctr.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	c.pr.event("Container", ctr.Name, "Recreated")
	return nil
}

// stopDependents stops the running containers of the services that
// depend on name before it is recreated; their own convergence starts
// them again (docker compose's order).
func (c *convergence) stopDependents(ctx context.Context, name string) {
	for _, other := range c.names {
		if _, ok := c.p.Services[other].DependsOn[name]; !ok {
			continue
		}
		c.mu.Lock()
		cs := slices.Clone(c.state[other])
		c.mu.Unlock()
		for _, ctr := range cs {
			if ctr.State.Running() {
				c.pr.event("Container", ctr.Name, "Stopping")
				_ = container.Stop(ctx, c.e, ctr.ID, container.StopOptions{Timeout: c.o.Timeout})
				c.pr.event("Container", ctr.Name, "Stopped")
			}
		}
	}
}

// firstContainer is the ID of service svc's first container: this up's,
// else one that exists.
func (c *convergence) firstContainer(svc string) (string, error) {
	c.mu.Lock()
	for _, ctr := range c.state[svc] {
		if ctr != nil && ctr.ID != "" {
			c.mu.Unlock()
			return ctr.ID, nil
		}
	}
	c.mu.Unlock()
	if cs, err := c.p.Containers(c.e, false); err == nil {
		for _, ctr := range cs {
			if ServiceOf(ctr) == svc {
				return ctr.ID, nil
			}
		}
	}
	return "", fmt.Errorf("service %s has no container", svc)
}

// resolveRefs points network_mode, ipc, pid and volumes_from naming a
// service at that service's first container (as docker compose does,
// before hashing: a dependency recreated changes the dependent's hash).
func resolveRefs(s *types.ServiceConfig, first refs) error {
	var err error
	for _, mode := range []*string{&s.NetworkMode, &s.Ipc, &s.Pid} {
		if *mode, err = shareMode(*mode, first); err != nil {
			return serviceErr(s, "%v", err)
		}
	}
	if s.VolumesFrom, err = volumesFrom(s.VolumesFrom, first); err != nil {
		return serviceErr(s, "volumes_from: %v", err)
	}
	for i, v := range s.VolumesFrom {
		s.VolumesFrom[i] = "container:" + v
	}
	return nil
}
