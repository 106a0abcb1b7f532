package pod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Top is container top over the pod's running containers, the infra
// included; a process seen through two of them (a shared PID namespace)
// is listed once.
func Top(e *engine.Engine, ref string, psArgs []string) (*container.TopReport, error) {
	p, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	cs, err := p.Containers()
	if err != nil {
		return nil, err
	}
	rep := &container.TopReport{}
	seen := map[string]bool{}
	for _, c := range cs {
		if !c.State.Running() {
			continue
		}
		r, err := container.Top(e, c.ID, psArgs)
		if err != nil {
			if errors.Is(err, errdefs.ErrConflict) {
				continue // stopped meanwhile
			}
			return nil, err
		}
		rep.Titles = r.Titles
		for _, row := range r.Processes {
			if key := strings.Join(row, "\x00"); !seen[key] {
				seen[key] = true
				rep.Processes = append(rep.Processes, row)
			}
		}
	}
	if rep.Titles == nil {
		return nil, errdefs.Conflict("pod %s is not running: start it first (pod start %s)", p.Name, p.Name)
	}
	return rep, nil
}

// LogsOptions are pod logs' flags: container logs' own, the container
// to show (Container, "": all) and what prefixes each line.
type LogsOptions struct {
	container.LogsOptions
	Container string
	// Names prefixes lines with the container's name instead of its ID.
	Names bool
}

// Logs writes the logs of the pod's containers (the infra writes none),
// each line prefixed with its container when there are several; with
// Follow they are streamed together until all stop.
func Logs(ctx context.Context, e *engine.Engine, ref string, o LogsOptions) error {
	p, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	cs, err := p.Members()
	if err != nil {
		return err
	}
	if o.Container != "" {
		i := slices.IndexFunc(cs, func(c *container.Container) bool {
			return c.Name == o.Container || strings.HasPrefix(c.ID, o.Container)
		})
		if i < 0 {
			return errdefs.NotFound("no container %s in pod %s", o.Container, p.Name)
		}
		return container.Logs(ctx, e, cs[i].ID, o.LogsOptions)
	}
	var mu sync.Mutex
	run := func(c *container.Container) error {
		lo := o.LogsOptions
		prefix := c.ShortID()
		if o.Names {
			prefix = c.Name
		}
		lo.Stdout = &prefixed{w: o.Stdout, prefix: prefix + " ", mu: &mu}
		lo.Stderr = &prefixed{w: o.Stderr, prefix: prefix + " ", mu: &mu}
		err := container.Logs(ctx, e, c.ID, lo)
		if errors.Is(err, errdefs.ErrInvalid) {
			return nil // --log-driver none: nothing to read
		}
		return err
	}
	if !o.Follow {
		for _, c := range cs {
			if err := run(c); err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
		}
		return nil
	}
	return each(cs, run)
}

// prefixed writes each line (one Write each, as container.Logs writes
// them) after its prefix, one writer at a time.
type prefixed struct {
	w      io.Writer
	prefix string
	mu     *sync.Mutex
}

func (p *prefixed) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}
