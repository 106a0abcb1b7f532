package container

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/skiff-containers/skiff/runtime/cgroups"
	"github.com/skiff-containers/skiff/runtime/cgroups/scope"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// The cgroup managers (--cgroup-manager).
const (
	ManagerCgroupfs = "cgroupfs"
	ManagerSystemd  = "systemd"
)

// A rootless container with limits on cgroup v2 gets its cgroup from the
// user's systemd manager when one runs (podman's default there): a
// transient scope, skiff-ID.scope, delegated to the user, with the
// container's monitor in scope/monitor and the container in
// scope/container, where skiff writes the limits as with cgroupfs. The
// monitor waits (--hold) until the CLI has had systemd move it into the
// scope, so the init is born there and joins scope/container without
// needing any permission on the cgroup it came from. Without a user
// manager (no $XDG_RUNTIME_DIR/systemd/private and session bus: a stat
// each, no D-Bus), or when the bus does not answer, the cgroupfs way
// applies: a cgroup under the delegated subtree skiff runs in.

// errNoUserManager is --cgroup-manager systemd's refusal without one.
var errNoUserManager = errors.New("cannot use --cgroup-manager systemd: no systemd user manager runs for you " +
	"($XDG_RUNTIME_DIR/systemd/private and a session bus at $XDG_RUNTIME_DIR/bus are needed; " +
	"log in through systemd, or loginctl enable-linger): use --cgroup-manager cgroupfs")

// SystemdUnusable says why the systemd cgroup manager cannot serve here
// ("" when it can, as far as the filesystem tells: no D-Bus exchange).
// As root skiff manages cgroups itself.
func SystemdUnusable(rootless bool) string {
	switch {
	case !rootless:
		return "as root skiff manages cgroups itself"
	case !cgroups.RootlessV2():
		return "the systemd cgroup manager needs cgroup v2, which this host does not use"
	}
	if _, ok := scope.Find(); !ok {
		return "no systemd user manager runs for you (no $XDG_RUNTIME_DIR/systemd/private and session bus)"
	}
	return ""
}

// placeCgroup returns where the cgroup of container id goes and, with
// the systemd manager, the scope that will hold it (not created yet).
func placeCgroup(e *engine.Engine, id, parent string, r *specs.LinuxResources) (*cgroups.Cgroup, *scope.Scope, error) {
	mgr := ""
	if e != nil {
		mgr = e.Config.CgroupManager
	}
	if mgr != ManagerCgroupfs && cgroups.RootlessV2() {
		bus, ok := scope.Find()
		switch {
		case ok:
			sc, answered, err := placeScope(bus, id, parent, r)
			if err == nil {
				return &cgroups.Cgroup{Paths: map[string]string{"": sc.Container()}}, sc, nil
			}
			if answered || mgr == ManagerSystemd {
				return nil, nil, err
			}
			logrus.Debugf("the systemd user manager cannot give a scope (%v): using cgroupfs", err)
		case mgr == ManagerSystemd:
			return nil, nil, errNoUserManager
		}
	}
	cg, err := cgroups.Place(id, parent, r)
	return cg, nil, err
}

// placeScope asks the user manager where the scope goes and checks that
// it can have the controllers r needs; answered says the manager
// answered (its refusal stands: no fallback hides it).
func placeScope(bus scope.Bus, id, parent string, r *specs.LinuxResources) (*scope.Scope, bool, error) {
	slice, err := scope.SliceFor(parent)
	if err != nil {
		return nil, false, err
	}
	sc, err := bus.Place(id, slice)
	if err != nil {
		return nil, false, err
	}
	if miss := cgroups.Missing(sc.Dir, r); len(miss) > 0 {
		return nil, true, fmt.Errorf("cannot apply the limit: the %s controller is not delegated to your systemd user manager: "+
			"add it to Delegate= of user@.service (a drop-in such as /etc/systemd/system/user@.service.d/delegate.conf "+
			"with [Service] Delegate=cpu cpuset io memory pids), or use --cgroup-manager cgroupfs from a delegated cgroup",
			strings.Join(miss, ", "))
	}
	return sc, true, nil
}

// recordedScope is the scope start recorded for the container, if it
// still runs (a restart by the policy finds the one its monitor keeps):
// no exchange with systemd.
func (c *Container) recordedScope() *scope.Scope {
	dir := c.State.Cgroup[""]
	if c.State.CgroupUnit == "" || dir == "" {
		return nil
	}
	bus, _ := scope.Find()
	sc := bus.At(c.ID, filepath.Dir(dir))
	if !sc.Exists() {
		return nil
	}
	return sc
}

// enterScope makes the container's scope with the monitor (pid) in it,
// or moves the monitor into the scope that is there, then makes the
// container's cgroup inside with its limits.
func (c *Container) enterScope(sc *scope.Scope, monitorPid int, r *specs.LinuxResources) error {
	var err error
	if sc.Exists() {
		err = sc.Attach(scope.MonitorDir, monitorPid)
	} else {
		err = sc.Start(monitorPid)
	}
	if err != nil {
		return err
	}
	if err := cgroups.Delegate(sc.Dir, r); err != nil {
		return err
	}
	return (&cgroups.Cgroup{Paths: map[string]string{"": sc.Container()}}).Create(r)
}

// stopScope stops the container's scope when it is left and the caller
// is not in it (the cleanup role is: the scope ends when it does).
func (c *Container) stopScope() {
	sc := c.recordedScope()
	if sc == nil || sc.Inside() {
		return
	}
	if err := sc.Stop(); err != nil {
		logrus.Warnf("stopping the systemd scope %s: %v", sc.Unit(), err)
	}
}

// attachToScope moves processes into the container's cgroup in its
// scope (exec, update), through the user manager when skiff itself may
// not move them there.
func (c *Container) attachToScope(pids ...int) error {
	sc := c.recordedScope()
	if sc == nil {
		return fmt.Errorf("the systemd scope of %s is gone", c.ShortID())
	}
	return sc.Attach(scope.ContainerDir, pids...)
}

// updateIntoScope gives a running container without a cgroup its scope
// (update adding limits): the monitor goes in first, as at a start, then
// the container's processes.
func (c *Container) updateIntoScope(sc *scope.Scope, cg *cgroups.Cgroup, r *specs.LinuxResources) error {
	c.State.Cgroup, c.State.CgroupUnit = cg.Paths, sc.Unit()
	if err := c.saveState(); err != nil { // rm stops it whatever happens next
		return err
	}
	if err := c.enterScope(sc, c.State.MonitorPid, r); err != nil {
		return err
	}
	pids, err := c.processes()
	if err != nil {
		return fmt.Errorf("finding the processes of %s: %w", c.ShortID(), err)
	}
	var list []int
	for pid := range pids {
		list = append(list, pid)
	}
	return sc.Attach(scope.ContainerDir, list...)
}
