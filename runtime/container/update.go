package container

import (
	"io"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// UpdateOptions are update's settings; nil fields stay as they are.
type UpdateOptions struct {
	RestartPolicy *RestartPolicy
	// Resources are the limits given (zero fields stay as they are, see
	// spec.UpdateResources).
	Resources *spec.Resources
	// Warnings receives docker's warnings for limits the host drops.
	Warnings io.Writer
}

// Update changes a container's settings in its record; the monitor reads
// the restart policy at the next exit. New limits apply to a running
// container at once and are recorded for its next start.
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
		if o.Resources != nil {
			if err := fresh.updateResources(o.Resources, o.Warnings); err != nil {
				return err
			}
		}
		return fresh.saveRecord()
	})
}

// updateResources merges new limits into the record and, when the
// container runs, into its cgroup.
func (c *Container) updateResources(u *spec.Resources, warn io.Writer) error {
	if c.Spec == nil {
		return errSpecMissing(c)
	}
	r, err := spec.UpdateResources(&c.HostConfig.Resources, u)
	if err != nil {
		return errdefs.Invalid("Cannot update container %s: %v", c.ID, err)
	}
	if err := validateResources(c.e, &r, warn); err != nil {
		return err
	}
	lr := spec.LinuxResources(&r)
	// A restarting container has no process: its next start makes its
	// cgroup from the spec. One without a cgroup that is still given no
	// limit (update --kernel-memory alone) needs none.
	if (c.State.Status == StatusRunning || c.State.Status == StatusPaused) && (lr != nil || len(c.State.Cgroup) > 0) {
		if err := c.updateCgroup(lr); err != nil {
			return errdefs.Invalid("Cannot update container %s: %v", c.ID, err)
		}
	}
	c.HostConfig.Resources = r
	linux := *c.Spec.Linux
	linux.Resources = lr
	c.Spec.Linux = &linux
	return nil
}
