package compose

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// pollInterval is how often conditions on containers are checked.
const pollInterval = 100 * time.Millisecond

// waitDependencies waits for each dependency of s that this up runs to
// converge and meet its condition; a dependency up does not run (--no-deps,
// another profile) counts when it is optional or already satisfied.
func (c *convergence) waitDependencies(ctx context.Context, s *types.ServiceConfig) error {
	for dep, cfg := range s.DependsOn {
		ch, ok := c.done[dep]
		if !ok {
			continue // not part of this up: docker compose does not wait
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
		depErr := c.failed[dep]
		cs := append([]*container.Container(nil), c.state[dep]...)
		c.mu.Unlock()
		if depErr != nil {
			if !cfg.Required {
				continue
			}
			return fmt.Errorf("%w: service %q depends on %q", errDependency, s.Name, dep)
		}
		if c.o.NoStart {
			continue
		}
		if err := waitCondition(ctx, c.e, dep, cfg.Condition, cs, c.pr); err != nil {
			if !cfg.Required {
				continue
			}
			return err
		}
	}
	return nil
}

// waitCondition waits until every container of service dep meets the
// condition, and names the one that cannot.
func waitCondition(ctx context.Context, e *engine.Engine, dep, condition string, cs []*container.Container, pr progress) error {
	if condition == "" || condition == types.ServiceConditionStarted {
		return nil
	}
	for _, ctr := range cs {
		pr.event("Container", ctr.Name, "Waiting")
		for {
			fresh, err := container.Lookup(e, ctr.ID)
			if err != nil {
				return fmt.Errorf("dependency failed to start: container %s: %w", ctr.Name, err)
			}
			done, err := conditionMet(fresh, condition)
			if err != nil {
				return err
			}
			if done {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pollInterval):
			}
		}
		status := "Healthy"
		if condition == types.ServiceConditionCompletedSuccessfully {
			status = "Exited"
		}
		pr.event("Container", ctr.Name, status)
	}
	return nil
}

// conditionMet checks one container against a depends_on condition (or
// "running_or_healthy", up --wait's), in docker compose's words when it
// never will be met.
func conditionMet(c *container.Container, condition string) (bool, error) {
	st := &c.State
	switch condition {
	case types.ServiceConditionCompletedSuccessfully:
		if st.Running() || st.Status == container.StatusCreated {
			return false, nil
		}
		if st.ExitCode != 0 {
			return false, fmt.Errorf("service %q didn't complete successfully: exit %d", ServiceOf(c), st.ExitCode)
		}
		return true, nil
	case types.ServiceConditionHealthy, runningOrHealthy:
		if !st.Running() && st.Status != container.StatusCreated {
			return false, fmt.Errorf("dependency failed to start: container %s exited (%d)", c.Name, st.ExitCode)
		}
		if c.Config.Healthcheck == nil || len(c.Config.Healthcheck.Test) == 0 || c.Config.Healthcheck.Test[0] == "NONE" {
			if condition == runningOrHealthy {
				return st.Status == container.StatusRunning, nil
			}
			return false, fmt.Errorf("dependency failed to start: container %s has no healthcheck configured", c.Name)
		}
		if st.Health == nil {
			return false, nil
		}
		switch st.Health.Status {
		case "healthy":
			return true, nil
		case "unhealthy":
			return false, fmt.Errorf("dependency failed to start: container %s is unhealthy", c.Name)
		}
		return false, nil
	}
	return true, nil
}

// runningOrHealthy is up --wait's condition: running, and healthy when
// the container has a health check.
const runningOrHealthy = "running_or_healthy"

// Wait waits (up --wait) until every container up reported runs and is
// healthy where it has a health check; the first that cannot is named.
func (p *Project) Wait(ctx context.Context, e *engine.Engine, cs []*container.Container, timeout time.Duration, pr io.Writer) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	for _, ctr := range cs {
		if err := waitCondition(ctx, e, ServiceOf(ctr), runningOrHealthy, []*container.Container{ctr}, progress{pr}); err != nil {
			if ctx.Err() != nil {
				return fail(fmt.Errorf("container %s is not healthy after %v", ctr.Name, timeout))
			}
			return fail(err)
		}
	}
	return nil
}
