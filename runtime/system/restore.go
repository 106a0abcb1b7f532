package system

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/flock"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// `system restore` stands in for dockerd starting at boot: nothing of
// skiff runs after a reboot (or a logout that ended the user's
// processes), so the containers whose restart policy says so are started
// again by this verb, run at boot by a systemd unit or a crontab line
// (autostart.go). Their records under --root still say "running" with
// dead monitor pids, which every read already takes as exited (255);
// the runtime state under --runroot (networks, DNS responders, port
// forwarders, mounts) is gone, and each start brings back what it needs.

// Docker compose's labels, as it writes them on every service container:
// the depends_on label lists "SERVICE:CONDITION:RESTART" entries,
// comma-separated, naming services of the same project.
const (
	composeProject   = "com.docker.compose.project"
	composeService   = "com.docker.compose.service"
	composeOneoff    = "com.docker.compose.oneoff"
	composeDependsOn = "com.docker.compose.depends_on"
)

// Compose's depends_on conditions a restore waits for.
const (
	condHealthy   = "service_healthy"
	condCompleted = "service_completed_successfully"
)

// completionWait bounds a restore's wait for a dependency to complete
// (service_completed_successfully): a dependency that never ends must
// not hold back the rest forever.
const completionWait = 5 * time.Minute

// Files in the runtime directory (RunDir): both gone with a reboot.
const (
	restoreLock   = "restore.lock" // flock: one restore at a time
	restoreMarker = "restored"     // the boot ID of the last restore
)

// RestoreOptions are `system restore`'s.
type RestoreOptions struct {
	// Stdout gets the name of each container started, as it starts.
	Stdout io.Writer
}

// RestoreReport is what a restore did.
type RestoreReport struct {
	// Boot says this was the first restore since the machine started
	// (or since the runtime directory was wiped): docker's rule at a
	// daemon start (container.StartsAtRestore).
	Boot bool
	// Started and Removed name the containers started, and the --rm
	// containers left over from before the boot that were removed (as
	// docker removes them at its start).
	Started, Removed []string
	// Failed are the containers that could not be started or removed.
	Failed []RestoreFailure
	// Warnings are dependencies that did not become healthy or did not
	// complete successfully in time: the dependent was started anyway.
	Warnings []string
}

// RestoreFailure is one container a restore could not start or remove.
type RestoreFailure struct {
	Name string
	Err  error
}

func (f RestoreFailure) Error() string { return fmt.Sprintf("restoring %s: %v", f.Name, f.Err) }

// Restore starts again every container whose restart policy says so,
// after the containers it needs (restoreOrder), independent ones in
// parallel, and removes the --rm containers left from before the boot.
// Restores are serialised and each start checks the rule again under the
// container's lock, so running it twice, or while containers run, starts
// nothing twice; only the first in a boot applies docker's daemon-start
// rule to containers the user stopped.
func Restore(ctx context.Context, e *engine.Engine, o RestoreOptions) (*RestoreReport, error) {
	if err := os.MkdirAll(e.RunDir(), 0o700); err != nil {
		return nil, err
	}
	unlock, err := lockFile(e.RunDir(restoreLock))
	if err != nil {
		return nil, err
	}
	defer unlock()
	boot := bootID()
	last, _ := os.ReadFile(e.RunDir(restoreMarker))
	r := &RestoreReport{Boot: boot == "" || strings.TrimSpace(string(last)) != boot}
	all, err := container.List(e)
	if err != nil {
		return nil, err
	}
	var due []*container.Container
	for _, c := range all {
		switch {
		case c.StartsAtRestore(r.Boot):
			due = append(due, c)
		case c.HostConfig.AutoRemove && c.State.StartCount > 0 && !c.State.Running() && !c.State.ManualRestart:
			if err := container.Remove(e, c.ID, container.RemoveOptions{Volumes: true}); err != nil {
				r.Failed = append(r.Failed, RestoreFailure{c.Name, err})
			} else {
				r.Removed = append(r.Removed, c.Name)
			}
		}
	}
	r.run(ctx, e, restoreOrder(all, due), o)
	if boot != "" {
		// Written under the lock; a torn write only makes the next
		// restore take itself for the boot's first.
		if err := os.WriteFile(e.RunDir(restoreMarker), []byte(boot+"\n"), 0o600); err != nil {
			return r, err
		}
	}
	return r, nil
}

// restoreNode is one container to start, with the ones to wait for.
type restoreNode struct {
	c     *container.Container
	needs []restoreEdge
	done  chan struct{} // closed once its start was tried
}

// restoreEdge is a dependency: dep must have been started (and, for
// compose's conditions, be healthy or have completed).
type restoreEdge struct {
	dep  *restoreNode
	cond string
}

// restoreOrder links the containers due to start (due) to those of them
// they need (Needs; compose's depends_on label, resolved through the
// project's containers in all). Edges that would close a cycle are
// dropped, so every wait ends.
func restoreOrder(all, due []*container.Container) []*restoreNode {
	nodes := make([]*restoreNode, len(due))
	byID := map[string]*restoreNode{}
	for i, c := range due {
		nodes[i] = &restoreNode{c: c, done: make(chan struct{})}
		byID[c.ID] = nodes[i]
	}
	resolve := containerIndex(all)
	for _, n := range nodes {
		add := func(id, cond string) {
			if dep := byID[id]; dep != nil && dep != n {
				n.needs = append(n.needs, restoreEdge{dep, cond})
			}
		}
		for _, ref := range n.c.Needs() {
			add(resolve(ref), "")
		}
		for _, d := range composeDependencies(n.c, all) {
			add(d.id, d.cond)
		}
	}
	breakCycles(nodes)
	return nodes
}

// containerIndex resolves a name, an ID or a unique ID prefix among all
// to the container's ID ("" when none or several match).
func containerIndex(all []*container.Container) func(ref string) string {
	ids := map[string]string{}
	for _, c := range all {
		ids[c.ID], ids[c.Name] = c.ID, c.ID
	}
	return func(ref string) string {
		ref = strings.TrimPrefix(ref, "/")
		if id, ok := ids[ref]; ok {
			return id
		}
		match := ""
		for _, c := range all {
			if strings.HasPrefix(c.ID, ref) {
				if match != "" {
					return ""
				}
				match = c.ID
			}
		}
		return match
	}
}

// composeDependency is a container of the same compose project serving a
// service c depends on, with the condition.
type composeDependency struct{ id, cond string }

// composeDependencies reads c's depends_on label and finds the
// containers (not one-off `compose run` ones) of those services.
func composeDependencies(c *container.Container, all []*container.Container) []composeDependency {
	project, label := c.Config.Labels[composeProject], c.Config.Labels[composeDependsOn]
	if project == "" || label == "" {
		return nil
	}
	var out []composeDependency
	for _, entry := range strings.Split(label, ",") {
		service, cond, _ := strings.Cut(strings.TrimSpace(entry), ":")
		cond, _, _ = strings.Cut(cond, ":")
		if service == "" {
			continue
		}
		for _, d := range all {
			l := d.Config.Labels
			if l[composeProject] == project && l[composeService] == service && !strings.EqualFold(l[composeOneoff], "true") {
				out = append(out, composeDependency{d.ID, cond})
			}
		}
	}
	return out
}

// breakCycles drops the edges that close a cycle (a depth-first search's
// back edges): records edited by hand or renamed containers could make
// one, and a cycle of waits would never end.
func breakCycles(nodes []*restoreNode) {
	const (
		unseen = iota
		active
		finished
	)
	state := map[*restoreNode]int{}
	var visit func(n *restoreNode)
	visit = func(n *restoreNode) {
		state[n] = active
		kept := n.needs[:0]
		for _, e := range n.needs {
			if state[e.dep] == active {
				continue
			}
			if state[e.dep] == unseen {
				visit(e.dep)
			}
			kept = append(kept, e)
		}
		n.needs = kept
		state[n] = finished
	}
	for _, n := range nodes {
		if state[n] == unseen {
			visit(n)
		}
	}
}

// run starts every node once its dependencies were started (and met
// their conditions), a few at a time.
func (r *RestoreReport) run(ctx context.Context, e *engine.Engine, nodes []*restoreNode, o RestoreOptions) {
	slots := make(chan struct{}, max(4, 2*goruntime.GOMAXPROCS(0)))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			defer close(n.done)
			for _, need := range n.needs {
				<-need.dep.done
				if w := waitCondition(ctx, e, need); w != "" {
					mu.Lock()
					r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %s; started it anyway", n.c.Name, w))
					mu.Unlock()
				}
			}
			slots <- struct{}{}
			started, err := container.Restore(e, n.c.ID, r.Boot)
			<-slots
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				r.Failed = append(r.Failed, RestoreFailure{n.c.Name, err})
			case started:
				r.Started = append(r.Started, n.c.Name)
				if o.Stdout != nil {
					fmt.Fprintln(o.Stdout, n.c.Name)
				}
			}
		})
	}
	wg.Wait()
}

// waitCondition waits for a compose condition on a dependency that was
// just started; it returns what went wrong, or "".
func waitCondition(ctx context.Context, e *engine.Engine, need restoreEdge) string {
	dep := need.dep.c
	switch need.cond {
	case condHealthy:
		status, err := container.WaitHealthVerdict(ctx, e, dep.ID)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return fmt.Sprintf("its dependency %s was still starting when its health check's retries were up", dep.Name)
		case err != nil:
			return fmt.Sprintf("its dependency %s did not become healthy: %v", dep.Name, err)
		case status == "":
			return fmt.Sprintf("its dependency %s has no health check or does not run", dep.Name)
		case status != container.HealthHealthy:
			return fmt.Sprintf("its dependency %s is %s", dep.Name, status)
		}
	case condCompleted:
		ctx, cancel := context.WithTimeout(ctx, completionWait)
		defer cancel()
		code, err := container.Wait(ctx, e, dep.ID)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return fmt.Sprintf("its dependency %s did not complete within %v", dep.Name, completionWait)
		case err != nil:
			return fmt.Sprintf("its dependency %s did not complete: %v", dep.Name, err)
		case code != 0:
			return fmt.Sprintf("its dependency %s exited with code %d", dep.Name, code)
		}
	}
	return ""
}

// bootID names the running boot ("" where the kernel does not say).
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// lockFile takes an exclusive flock on path, created if needed.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(f, unix.LOCK_EX, path); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
