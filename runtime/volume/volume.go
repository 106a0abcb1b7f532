// Package volume is skiff's volume verbs, the ones the CLI and (later)
// compose call: create, rm, prune, ls and inspect. Each takes the engine,
// works on the volume store under its lock (storage/volume), asks
// runtime/container which containers use which volume where it matters
// (rm, prune, ls --filter dangling=), and records the verb's event.
//
// It must not import commands; runtime/container must not import it (the
// container side reaches the store through storage/volume itself).
package volume

import (
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/events"
	svolume "github.com/skiff-containers/skiff/storage/volume"
)

// Types of storage/volume that callers of these verbs handle.
type (
	// Volume is a volume as docker's inspect shows it.
	Volume = svolume.Volume
	// PruneReport lists what prune removed and the space it freed.
	PruneReport = svolume.PruneReport
)

// CreateOptions describe a new volume.
type CreateOptions struct {
	// Name is the volume's name; "" generates one.
	Name    string
	Driver  string
	Labels  map[string]string
	Options map[string]string // --opt: type, device, o
}

// Create makes a volume, or returns the existing one of that name (as
// docker does), and records the create event.
func Create(e *engine.Engine, o CreateOptions) (*Volume, error) {
	v, err := container.VolumeStore(e).Create(svolume.CreateOptions{
		Name: o.Name, Driver: o.Driver, Labels: o.Labels, Options: o.Options,
	})
	if err != nil {
		return nil, err
	}
	events.Record(e, events.Volume, "create", v.Name, map[string]string{"driver": v.Driver})
	return v, nil
}

// RemoveOptions are `volume rm`'s.
type RemoveOptions struct {
	// Force ignores volumes that do not exist; a volume in use is
	// removed only with RemoveUsers, as in docker.
	Force bool
	// RemoveUsers removes the containers that use the volume first
	// (podman's volume rm -f), running ones ended as StopUsers says.
	RemoveUsers bool
	StopUsers   container.ForceStop
}

// Remove deletes one volume unless a container uses it, and records the
// destroy event; nothing changes when it refuses.
func Remove(e *engine.Engine, name string, o RemoveOptions) error {
	if o.RemoveUsers {
		users, err := container.VolumeUsers(e)()
		if err != nil {
			return err
		}
		if err := container.RemoveAll(e, users[name], o.StopUsers); err != nil {
			return err
		}
	}
	err := container.VolumeStore(e).Remove(name, svolume.RemoveOptions{Force: o.Force, Users: container.VolumeUsers(e)})
	if err != nil {
		return err
	}
	destroyed(e, name)
	return nil
}

// destroyed records a volume's destroy event.
func destroyed(e *engine.Engine, name string) {
	events.Record(e, events.Volume, "destroy", name, map[string]string{"driver": svolume.DefaultDriver})
}

// PruneOptions are `volume prune`'s.
type PruneOptions struct {
	// All removes named volumes too; else only anonymous ones.
	All bool
	// Filters are the --filter values (label, label!, all).
	Filters []string
}

// Prune removes the volumes no container uses that the options select,
// and records a destroy event for each.
func Prune(e *engine.Engine, o PruneOptions) (*PruneReport, error) {
	rep, err := container.VolumeStore(e).Prune(svolume.PruneOptions{
		All: o.All, Filters: o.Filters, Users: container.VolumeUsers(e),
	})
	if rep != nil {
		for _, name := range rep.Removed {
			destroyed(e, name)
		}
	}
	return rep, err
}

// ValidatePruneFilters checks prune's --filter values before anything is
// asked or removed.
func ValidatePruneFilters(filters []string) error {
	_, err := svolume.ParseFilters(filters, "label", "label!", "all")
	return err
}

// ListOptions select volumes for `volume ls`.
type ListOptions struct {
	// Filters are the --filter values (name, driver, dangling, label).
	Filters []string
}

// List returns the volumes passing the filters, by name.
func List(e *engine.Engine, o ListOptions) ([]*Volume, error) {
	return container.VolumeStore(e).ListMatching(svolume.ListOptions{Filters: o.Filters, Users: container.VolumeUsers(e)})
}

// Inspect reads one volume.
func Inspect(e *engine.Engine, name string) (*Volume, error) {
	return container.VolumeStore(e).Get(name)
}
