package compose

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// ProjectSummary is one project as `compose ls` lists it.
type ProjectSummary struct {
	Name        string
	Status      string // "running(2), exited(1)"
	ConfigFiles string
}

// ListProjects lists the projects that have containers (running ones
// only unless all), found by their labels.
func ListProjects(e *engine.Engine, all bool) ([]ProjectSummary, error) {
	cs, err := container.ListFiltered(e, container.ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	counts := map[string]map[string]int{}
	files := map[string]string{}
	for _, c := range cs {
		name := c.Config.Labels[LabelProject]
		if name == "" {
			continue
		}
		if counts[name] == nil {
			counts[name] = map[string]int{}
		}
		st := c.State.Status
		if st == "" {
			st = container.StatusCreated
		}
		counts[name][st]++
		if f := c.Config.Labels[LabelConfigFiles]; f != "" {
			files[name] = f
		}
	}
	var out []ProjectSummary
	for name, byStatus := range counts {
		if !all && byStatus[container.StatusRunning] == 0 {
			continue
		}
		var parts []string
		for _, st := range slices.Sorted(maps.Keys(byStatus)) {
			parts = append(parts, fmt.Sprintf("%s(%d)", st, byStatus[st]))
		}
		out = append(out, ProjectSummary{Name: name, Status: strings.Join(parts, ", "), ConfigFiles: files[name]})
	}
	slices.SortFunc(out, func(a, b ProjectSummary) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PsOptions are ps's flags.
type PsOptions struct {
	Services []string
	All      bool     // -a: stopped containers too
	Status   []string // --status: only these states
}

// Ps lists the services' containers (running ones unless All or a
// status filter), `run` containers included, by service and number.
func (p *Project) Ps(e *engine.Engine, o PsOptions) ([]*container.Container, error) {
	if _, err := p.services(o.Services); err != nil {
		return nil, err
	}
	cs, err := p.Containers(e, true)
	if err != nil {
		return nil, err
	}
	var out []*container.Container
	for _, c := range selected(cs, o.Services) {
		st := c.State.Status
		if st == "" {
			st = container.StatusCreated
		}
		switch {
		case len(o.Status) > 0 && !slices.Contains(o.Status, st):
		case len(o.Status) == 0 && !o.All && !c.State.Running():
		default:
			out = append(out, c)
		}
	}
	return out, nil
}
