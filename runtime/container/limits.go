package container

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/cgroups"
	"github.com/skiff-containers/skiff/runtime/cgroups/scope"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// A container gets a cgroup of its own only when it has limits (or a
// --cgroup-parent): start makes it, the init joins it before anything
// of the container runs (then unshares its cgroup namespace, so the
// container sees its cgroup as the root), the exit reads its OOM kills,
// and releasing the container's runtime removes it. Starts without
// limits make no cgroup and pay nothing for it.

// validateResources checks the limits against the host as docker's
// daemon does, prints docker's warnings for what it drops, and refuses
// limits skiff cannot apply here (rootless on cgroup v1, no delegation).
func validateResources(e *engine.Engine, r *spec.Resources, warn io.Writer) error {
	if !r.Any() && r.KernelMemory == 0 {
		return nil // nothing to check: a start without limits reads no cgroup file
	}
	o := cgroups.HostOffers()
	w, err := spec.ValidateResources(r, spec.Host{
		NumCPU: runtime.NumCPU(), CPUs: o.CPUs, Mems: o.Mems, V2: o.V2,
		Swap: o.Swap, BlkioWeight: o.BlkioWeight, BlkioThrottle: o.BlkioThrottle,
	})
	if err != nil {
		return err
	}
	if warn != nil {
		for _, line := range w {
			fmt.Fprintln(warn, "WARNING: "+line)
		}
	}
	if !r.Any() {
		return nil
	}
	return LimitsApply(e, r)
}

// LimitsApply reports why skiff cannot apply the limits r on this host
// (rootless on cgroup v1, a controller not delegated), or nil: kube play
// warns and runs without them, as podman does.
func LimitsApply(e *engine.Engine, r *spec.Resources) error {
	if _, _, err := placeCgroup(e, "probe", r.CgroupParent, spec.LinuxResources(r)); err != nil {
		return errdefs.Invalid("%v", err)
	}
	return nil
}

// cgroup is the container's cgroup as start recorded it (nil: none).
func (c *Container) cgroup() *cgroups.Cgroup {
	if len(c.State.Cgroup) == 0 {
		return nil
	}
	return &cgroups.Cgroup{Paths: c.State.Cgroup}
}

// pendingScope is a systemd scope prepare placed the container's cgroup
// in: spawnMonitor creates it with the monitor in it, then the cgroup.
type pendingScope struct {
	sc *scope.Scope
	r  *specs.LinuxResources
}

// prepareCgroup makes the container's cgroup when it has limits, records
// it at once (whatever dies next, rm removes it) and returns the
// directories the init joins.
func (c *Container) prepareCgroup(s *specs.Spec) ([]string, error) {
	if !c.HostConfig.Resources.Any() {
		return nil, nil
	}
	sc := c.recordedScope() // kept by the monitor of a restart by the policy
	var cg *cgroups.Cgroup
	if sc != nil {
		cg = &cgroups.Cgroup{Paths: map[string]string{"": sc.Container()}}
	} else {
		var err error
		if cg, sc, err = placeCgroup(c.e, c.ID, c.HostConfig.CgroupParent, s.Linux.Resources); err != nil {
			return nil, errdefs.Invalid("%v", err)
		}
	}
	c.State.Cgroup, c.State.CgroupUnit = cg.Paths, ""
	if sc != nil {
		c.State.CgroupUnit = sc.Unit()
	}
	if err := c.saveState(); err != nil {
		return nil, err
	}
	cg.Remove() // left by an earlier run: counters (OOM kills) start at zero
	if sc != nil {
		c.scope = &pendingScope{sc: sc, r: s.Linux.Resources}
		return cg.Dirs(), nil
	}
	if err := cg.Create(s.Linux.Resources); err != nil {
		return nil, err
	}
	return cg.Dirs(), nil
}

// releaseCgroup removes the cgroup of a stopped container.
func (c *Container) releaseCgroup() {
	if cg := c.cgroup(); cg != nil {
		cg.Remove()
		if c.State.CgroupUnit != "" {
			c.stopScope()
		}
		c.State.Cgroup, c.State.CgroupUnit = nil, ""
	}
}

// noteOOM records, as the container exits, whether the kernel's OOM
// killer ended any of its processes (docker's State.OOMKilled and the
// "oom" event, before "die"). A cgroup already gone (the exit recorded a
// second time) changes nothing.
func (c *Container) noteOOM() {
	cg := c.cgroup()
	if cg == nil {
		return
	}
	if n, ok := cg.OOMKills(); ok {
		c.State.OOMKilled = n > 0
		if n > 0 {
			c.event("oom")
		}
	}
}

// withoutCgroupNS is the namespaces the monitor creates when the init
// joins a cgroup first: the cgroup namespace is unshared by the init
// after joining, so that its root is the container's cgroup.
func withoutCgroupNS(nss []specs.LinuxNamespace) ([]specs.LinuxNamespace, bool) {
	i := slices.IndexFunc(nss, func(ns specs.LinuxNamespace) bool {
		return ns.Type == specs.CgroupNamespace && ns.Path == ""
	})
	if i < 0 {
		return nss, false
	}
	return slices.Delete(slices.Clone(nss), i, i+1), true
}

// updateCgroup applies new limits to a running container: its cgroup
// gets them at once; one it lacks (a container started without limits,
// or a v1 hierarchy it did not need) is made and its processes moved in.
func (c *Container) updateCgroup(r *specs.LinuxResources) error {
	if c.State.CgroupUnit != "" {
		// a limit of a controller the scope does not hand down yet
		if err := cgroups.Delegate(filepath.Dir(c.State.Cgroup[""]), r); err != nil {
			return err
		}
		return c.cgroup().Set(r)
	}
	cg, sc, err := placeCgroup(c.e, c.ID, c.HostConfig.CgroupParent, r)
	if err != nil {
		return errdefs.Invalid("%v", err)
	}
	if sc != nil && len(c.State.Cgroup) == 0 {
		return c.updateIntoScope(sc, cg, r)
	}
	old := c.cgroup()
	for ctrl, dir := range cg.Paths {
		if old != nil && old.Paths[ctrl] == dir {
			continue
		}
		part := &cgroups.Cgroup{Paths: map[string]string{ctrl: dir}}
		if err := part.Make(r); err != nil {
			return err
		}
		if c.State.Cgroup == nil {
			c.State.Cgroup = map[string]string{}
		}
		c.State.Cgroup[ctrl] = dir
		if err := c.saveState(); err != nil { // rm removes it whatever happens next
			return err
		}
		if err := c.moveInto(dir); err != nil {
			return err
		}
	}
	return c.cgroup().Set(r)
}

// addToCgroup moves process pid (an exec role) and the processes it
// forked into the container's cgroup, if it has one. The role forks into
// the container's pid namespace before it runs any Go (rootless/nsjoin):
// its child is either there when pid has moved, and moved next, or forked
// after, in the cgroup already; both wait for the exec configuration.
func (c *Container) addToCgroup(pid int) error {
	add := func(p int) error {
		if c.State.CgroupUnit != "" {
			return c.attachToScope(p)
		}
		for _, dir := range c.State.Cgroup {
			if err := cgroups.Add(dir, p); err != nil {
				return fmt.Errorf("moving the exec process into the container's cgroup %s: %w", dir, err)
			}
		}
		return nil
	}
	if len(c.State.Cgroup) == 0 {
		return nil
	}
	if err := add(pid); err != nil {
		return err
	}
	children, err := proc.Descendants(pid)
	if err != nil {
		return fmt.Errorf("finding the exec process's children: %w", err)
	}
	for child := range children {
		if err := add(child); err != nil {
			return err
		}
	}
	return nil
}

// moveInto moves the container's processes into the cgroup at dir.
func (c *Container) moveInto(dir string) error {
	pids, err := c.processes()
	if err != nil {
		return fmt.Errorf("finding the processes of %s: %w", c.ShortID(), err)
	}
	for pid := range pids {
		if proc.Alive(pid, 0) {
			if err := cgroups.Add(dir, pid); err != nil {
				return fmt.Errorf("moving process %s of %s into %s: %w", strconv.Itoa(pid), c.ShortID(), dir, err)
			}
		}
	}
	return nil
}
