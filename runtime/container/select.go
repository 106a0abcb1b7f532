package container

import (
	"slices"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// SelectOptions say which containers a verb acts on, as podman's container
// verbs choose them: the named ones, the latest created (--latest), or
// all (--all), narrowed by --filter (ps's filters).
type SelectOptions struct {
	// Refs are the names or IDs given.
	Refs []string
	// Latest is the most recently created container (podman's -l).
	Latest bool
	// All is every container whose status is in Statuses (any when
	// empty); filters alone select from all containers too.
	All      bool
	Statuses []string
	// Filters are --filter values (PsFilterKeys).
	Filters []string
}

// Select returns the containers o names: Refs as given (a missing one is
// the verb's to report), narrowed to those the filters match; or, for
// --latest, --all and filters without names, full IDs, newest first.
// Names cannot be combined with --all or --latest, nor these two.
func Select(e *engine.Engine, o SelectOptions) ([]string, error) {
	switch {
	case o.All && o.Latest:
		return nil, errdefs.Invalid("--all and --latest cannot be used together")
	case o.Latest && len(o.Refs) > 0:
		return nil, errdefs.Invalid("--latest and containers cannot be used together")
	case o.All && len(o.Refs) > 0:
		return nil, errdefs.Invalid("no arguments are needed with --all")
	}
	if len(o.Refs) > 0 && len(o.Filters) == 0 {
		return o.Refs, nil
	}
	f, err := ParseFilters(o.Filters, PsFilterKeys)
	if err != nil {
		return nil, err
	}
	lo := ListOptions{All: true, Filters: f}
	if o.Latest {
		lo.Last = 1
	}
	list, err := ListFiltered(e, lo)
	if err != nil {
		return nil, err
	}
	if o.Latest && len(list) == 0 {
		return nil, errdefs.NotFound("no container to act on: --latest found none")
	}
	if len(o.Refs) > 0 {
		return narrow(e, o.Refs, list), nil
	}
	var out []string
	for _, s := range list {
		if !o.All || len(o.Statuses) == 0 || slices.Contains(o.Statuses, s.statusName()) {
			out = append(out, s.ID)
		}
	}
	return out, nil
}

// narrow keeps the refs whose container is in matched; a ref that names
// no container stays, for the verb to report.
func narrow(e *engine.Engine, refs []string, matched []Summary) []string {
	var out []string
	for _, ref := range refs {
		c, err := lookup(e, ref)
		if err != nil || slices.ContainsFunc(matched, func(s Summary) bool { return s.ID == c.ID }) {
			out = append(out, ref)
		}
	}
	return out
}

// statusName is the container's status, "created" before any start.
func (c *Container) statusName() string {
	if c.State.Status == "" {
		return StatusCreated
	}
	return c.State.Status
}

// Latest returns the most recently created container (podman's
// --latest).
func Latest(e *engine.Engine) (*Container, error) {
	ids, err := Select(e, SelectOptions{Latest: true})
	if err != nil {
		return nil, err
	}
	return Lookup(e, ids[0])
}
