package container

import (
	"errors"
	"fmt"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// PruneOptions are container prune's flags.
type PruneOptions struct {
	Filters *Filters // until=, label=, label!=
}

// PruneReport lists the removed containers and the space their layers
// took.
type PruneReport struct {
	Deleted        []string
	SpaceReclaimed int64
}

// Prune removes every stopped container (created, exited, dead) the
// filters select.
func Prune(e *engine.Engine, o PruneOptions) (*PruneReport, error) {
	f := o.Filters
	if f == nil {
		f = &Filters{}
	}
	all, err := loadAll(e, loadSummary)
	if err != nil {
		return nil, err
	}
	r := &PruneReport{Deleted: []string{}}
	var errs []error
	for _, c := range all {
		if c.State.Running() || c.State.Status == StatusRemoving || c.Infra || !f.matchBasic(c) {
			continue
		}
		rw, _, _ := c.sizes()
		if err := Remove(e, c.ID, RemoveOptions{}); err != nil {
			if !errdefs.IsNotFound(err) && !errors.Is(err, errdefs.ErrConflict) {
				errs = append(errs, fmt.Errorf("removing %s: %w", c.ShortID(), err))
			}
			continue
		}
		r.Deleted = append(r.Deleted, c.ID)
		r.SpaceReclaimed += rw
	}
	switch len(errs) {
	case 0:
		return r, nil
	case 1:
		return r, errs[0]
	}
	return r, fmt.Errorf("%w (and %d more failures)", errs[0], len(errs)-1)
}
