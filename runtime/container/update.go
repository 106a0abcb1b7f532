package container

import (
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// UpdateOptions are update's settings; nil fields stay as they are.
// (Resource limits come with cgroup v2 delegation.)
type UpdateOptions struct {
	RestartPolicy *RestartPolicy
}

// Update changes a container's settings in its record; the monitor reads
// the restart policy at the next exit.
func Update(e *engine.Engine, ref string, o UpdateOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	return Locked(e, c.ID, func(fresh *Container) error {
		if p := o.RestartPolicy; p != nil {
			if fresh.HostConfig.AutoRemove && p.Name != "no" {
				return errdefs.Invalid("cannot update container %s: a restart policy cannot be set on a container started with --rm", fresh.ShortID())
			}
			fresh.HostConfig.RestartPolicy = *p
		}
		return fresh.saveRecord()
	})
}
