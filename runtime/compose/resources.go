package compose

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/network"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// progress prints docker compose's plain progress lines
// (" Container p-web-1  Started") to w.
type progress struct{ w io.Writer }

func (pr progress) event(kind, name, status string) {
	if pr.w != nil {
		fmt.Fprintf(pr.w, " %s %s  %s\n", kind, name, status)
	}
}

// usedNetworks and usedVolumes are the project's networks and volumes
// the services use (docker compose creates only those).
func (p *Project) usedNetworks(services []string) []string {
	var out []string
	for _, name := range services {
		s := p.Services[name]
		for key := range s.Networks {
			if !slices.Contains(out, key) {
				out = append(out, key)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (p *Project) usedVolumes(services []string) []string {
	var out []string
	for _, name := range services {
		for _, v := range p.Services[name].Volumes {
			if v.Type == "volume" && v.Source != "" && !slices.Contains(out, v.Source) {
				out = append(out, v.Source)
			}
		}
	}
	slices.Sort(out)
	return out
}

// ensureNetworks creates the project's networks the services use, or
// checks that external ones exist.
func (p *Project) ensureNetworks(e *engine.Engine, services []string, pr progress) error {
	for _, key := range p.usedNetworks(services) {
		n := p.Networks[key]
		if _, err := network.Lookup(e, n.Name); err == nil {
			continue
		} else if !errdefs.IsNotFound(err) {
			return err
		}
		if n.External {
			return fmt.Errorf("network %s declared as external, but could not be found: create it with `network create %s`", n.Name, n.Name)
		}
		o := network.CreateOptions{
			Name: n.Name, Driver: n.Driver, Internal: n.Internal, Attachable: n.Attachable,
			Labels: p.resourceLabels(LabelNetwork, key, n.Labels), Options: n.DriverOpts,
			IPAMDriver: n.Ipam.Driver,
		}
		if len(n.Ipam.Config) > 1 {
			return fmt.Errorf("network %s: skiff takes one ipam config (subnet), not %d", key, len(n.Ipam.Config))
		}
		if len(n.Ipam.Config) == 1 {
			c := n.Ipam.Config[0]
			o.Subnet, o.Gateway, o.IPRange = c.Subnet, c.Gateway, c.IPRange
		}
		if n.EnableIPv6 != nil && *n.EnableIPv6 {
			o.IPv6 = true
		}
		pr.event("Network", n.Name, "Creating")
		if _, err := network.Create(e, o); err != nil && !errors.Is(err, errdefs.ErrConflict) {
			return fmt.Errorf("creating network %s: %w", n.Name, err)
		}
		pr.event("Network", n.Name, "Created")
	}
	return nil
}

// ensureVolumes creates the project's named volumes the services use,
// or checks that external ones exist.
func (p *Project) ensureVolumes(e *engine.Engine, services []string, pr progress) error {
	for _, key := range p.usedVolumes(services) {
		v := p.Volumes[key]
		if _, err := volume.Inspect(e, v.Name); err == nil {
			continue
		} else if !errdefs.IsNotFound(err) {
			return err
		}
		if v.External {
			return fmt.Errorf("external volume %q not found: create it with `volume create %s`", v.Name, v.Name)
		}
		pr.event("Volume", v.Name, "Creating")
		if _, err := volume.Create(e, volume.CreateOptions{
			Name: v.Name, Driver: v.Driver, Labels: p.resourceLabels(LabelVolume, key, v.Labels), Options: v.DriverOpts,
		}); err != nil {
			return fmt.Errorf("creating volume %s: %w", v.Name, err)
		}
		pr.event("Volume", v.Name, "Created")
	}
	return nil
}

// removeNetworks removes the networks labelled as the project's; one
// still used by another container is left, with a warning.
func (p *Project) removeNetworks(e *engine.Engine, pr progress, warn io.Writer) error {
	nets, err := network.List(e, network.ListOptions{})
	if err != nil {
		return err
	}
	for _, n := range nets {
		if n.Labels[LabelProject] != p.Name {
			continue
		}
		pr.event("Network", n.Name, "Removing")
		if err := network.Remove(e, n.Name, network.RemoveOptions{Users: container.NetworkUsers(e)}); err != nil {
			if errdefs.IsNotFound(err) {
				continue
			}
			fmt.Fprintf(warn, "WARNING: network %s not removed: %v\n", n.Name, err)
			continue
		}
		pr.event("Network", n.Name, "Removed")
	}
	return nil
}

// removeVolumes removes the volumes labelled as the project's (down -v).
func (p *Project) removeVolumes(e *engine.Engine, pr progress, warn io.Writer) error {
	vols, err := volume.List(e, volume.ListOptions{})
	if err != nil {
		return err
	}
	for _, v := range vols {
		if v.Labels[LabelProject] != p.Name {
			continue
		}
		pr.event("Volume", v.Name, "Removing")
		if err := volume.Remove(e, v.Name, volume.RemoveOptions{Force: true}); err != nil {
			fmt.Fprintf(warn, "WARNING: volume %s not removed: %v\n", v.Name, err)
			continue
		}
		pr.event("Volume", v.Name, "Removed")
	}
	return nil
}
