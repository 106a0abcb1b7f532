package compose

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Containers lists the project's containers, found by their project
// label, sorted by service and number; oneoff includes `run`'s. Their
// records lack the OCI spec (as ps's), which no compose verb reads.
func (p *Project) Containers(e *engine.Engine, oneoff bool) ([]*container.Container, error) {
	all, err := container.ListFiltered(e, container.ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	var out []*container.Container
	for _, s := range all {
		c := s.Container
		l := c.Config.Labels
		if l[LabelProject] != p.Name || (!oneoff && l[LabelOneoff] == "True") {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *container.Container) int {
		la, lb := a.Config.Labels, b.Config.Labels
		return cmp.Or(cmp.Compare(la[LabelService], lb[LabelService]), cmp.Compare(number(a), number(b)),
			cmp.Compare(la[LabelOneoff], lb[LabelOneoff]), a.Created.Compare(b.Created))
	})
	return out, nil
}

// number is a container's compose number (0 when it has none).
func number(c *container.Container) int {
	n, _ := strconv.Atoi(c.Config.Labels[LabelNumber])
	return n
}

// enable enables the named services of profiles not enabled, with
// their profiles: docker compose starts a service named on the command
// line whatever its profiles.
func (p *Project) enable(names []string) error {
	if !p.Loaded || len(names) == 0 {
		return nil
	}
	enabled, err := p.WithServicesEnabled(names...)
	if err != nil {
		return fail(err)
	}
	p.Project = enabled
	return nil
}

// declares reports whether the files declare the service, in a profile
// enabled or not: the containers of the others are orphans (docker
// compose's rule).
func (p *Project) declares(service string) bool {
	if _, ok := p.Services[service]; ok {
		return true
	}
	_, ok := p.DisabledServices[service]
	return ok
}

// ServiceOf is the service a container of the project belongs to.
func ServiceOf(c *container.Container) string { return c.Config.Labels[LabelService] }

// services checks that names are services of the project (all of them
// when none are named; a service of a profile not enabled counts when
// named) and returns them.
func (p *Project) services(names []string) ([]string, error) {
	if len(names) == 0 {
		return p.ServiceNames(), nil
	}
	for _, n := range names {
		if !p.declares(n) && p.servicesKnown {
			return nil, errdefs.WithExitCode(ExitFailure, fmt.Errorf("%w: %s", ErrNoSuchService, n))
		}
	}
	return names, nil
}

// selected filters the project's containers to the named services (all
// when none are named).
func selected(cs []*container.Container, names []string) []*container.Container {
	if len(names) == 0 {
		return cs
	}
	var out []*container.Container
	for _, c := range cs {
		if slices.Contains(names, ServiceOf(c)) {
			out = append(out, c)
		}
	}
	return out
}

// WithFilesDir says where the project keeps the files it writes for
// environment- and content-based secrets and configs.
func (p *Project) WithFilesDir(dir string) { p.filesDir = dir }

// writeFileObject writes a secret's or config's content (from the
// environment or the file's content:) for a bind mount.
func (p *Project) writeFileObject(kind, name string, obj types.FileObjectConfig) (string, error) {
	content := obj.Content
	if obj.Environment != "" {
		v, ok := p.Project.Environment[obj.Environment]
		if !ok {
			return "", fmt.Errorf("environment variable %q of %s %s is not set", obj.Environment, kind, name)
		}
		content = v
	}
	dir := filepath.Join(p.filesDir, kind+"s")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o444); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// envFile is the project's .env, when it has one.
func (p *Project) envFile() string {
	f := filepath.Join(p.WorkingDir, ".env")
	if _, err := os.Stat(f); err == nil {
		return f
	}
	return ""
}
