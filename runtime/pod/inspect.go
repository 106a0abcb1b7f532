package pod

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Pod states, podman's words.
const (
	StateCreated  = "Created"
	StateRunning  = "Running"
	StateDegraded = "Degraded"
	StatePaused   = "Paused"
	StateExited   = "Exited"
)

// Status is the pod's state from its containers' (the infra's
// included): Running when all run, Degraded when some do, Paused when
// all are paused, Created when none ever ran, else Exited.
func Status(cs []*container.Container) string {
	var running, paused, created int
	for _, c := range cs {
		switch {
		case c.State.Status == container.StatusPaused:
			paused++
		case c.State.Running():
			running++
		case c.State.Status == container.StatusCreated:
			created++
		}
	}
	switch n := len(cs); {
	case n == 0 || created == n:
		return StateCreated
	case paused == n:
		return StatePaused
	case running+paused == n:
		return StateRunning
	case running+paused > 0:
		return StateDegraded
	}
	return StateExited
}

// InspectContainer is one of the pod's containers in inspect.
type InspectContainer struct {
	ID    string `json:"Id"`
	Name  string
	State string
}

// InfraConfig is the infra's network as pod inspect shows it.
type InfraConfig struct {
	PortBindings map[string][]container.PortBinding
	HostNetwork  bool
	Networks     []string
	DNSServer    []string `json:"DNSServer,omitempty"`
	DNSSearch    []string `json:"DNSSearch,omitempty"`
	DNSOption    []string `json:"DNSOption,omitempty"`
	HostAdd      []string `json:"HostAdd,omitempty"`
}

// InspectData is podman's pod inspect shape.
type InspectData struct {
	ID               string `json:"Id"`
	Name             string
	Created          time.Time
	CreateCommand    []string `json:",omitempty"`
	State            string
	Hostname         string
	Labels           map[string]string
	CreateInfra      bool
	InfraContainerID string       `json:"InfraContainerID,omitempty"`
	InfraConfig      *InfraConfig `json:",omitempty"`
	SharedNamespaces []string
	NumContainers    int
	Containers       []InspectContainer
}

// Inspect describes a pod.
func Inspect(e *engine.Engine, ref string) (*InspectData, error) {
	p, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	cs, err := p.Containers()
	if err != nil {
		return nil, err
	}
	d := &InspectData{
		ID: p.ID, Name: p.Name, Created: p.Created, CreateCommand: p.CreateCommand, State: Status(cs),
		Hostname: p.Hostname, Labels: p.Labels, CreateInfra: p.InfraID != "", InfraContainerID: p.InfraID,
		SharedNamespaces: p.Share, NumContainers: len(cs), Containers: []InspectContainer{},
	}
	if d.Labels == nil {
		d.Labels = map[string]string{}
	}
	if d.SharedNamespaces == nil {
		d.SharedNamespaces = []string{}
	}
	for _, c := range cs {
		d.Containers = append(d.Containers, InspectContainer{ID: c.ID, Name: c.Name, State: c.State.Status})
		if c.Infra {
			hc := c.HostConfig
			d.InfraConfig = &InfraConfig{
				PortBindings: hc.PortBindings, HostNetwork: hc.NetworkMode == "host", Networks: c.NetworkNames(),
				DNSServer: hc.DNS, DNSSearch: hc.DNSSearch, DNSOption: hc.DNSOptions, HostAdd: hc.ExtraHosts,
			}
			if d.InfraConfig.PortBindings == nil {
				d.InfraConfig.PortBindings = map[string][]container.PortBinding{}
			}
		}
	}
	return d, nil
}

// Summary is a pod as pod ps lists it.
type Summary struct {
	*Pod
	Containers []*container.Container
	State      string
}

// ListFilterKeys are pod ps's --filter keys.
var ListFilterKeys = []string{"id", "name", "label", "label!", "status", "ctr-names", "ctr-ids", "ctr-status", "ctr-number"}

// ListFiltered returns the pods the filters select, newest first.
func ListFiltered(e *engine.Engine, f filters.Args) ([]Summary, error) {
	pods, err := List(e)
	if err != nil {
		return nil, err
	}
	all, err := container.List(e)
	if err != nil {
		return nil, err
	}
	var out []Summary
	for _, p := range pods {
		s := Summary{Pod: p}
		for _, c := range all {
			if c.Pod == p.ID {
				s.Containers = append(s.Containers, c)
			}
		}
		slices.SortStableFunc(s.Containers, func(a, b *container.Container) int { return a.Created.Compare(b.Created) })
		s.State = Status(s.Containers)
		ok, err := s.matches(f)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// matches applies the filters: values of one key are alternatives,
// keys must all match (podman's rule).
func (s *Summary) matches(f filters.Args) (bool, error) {
	ok := true
	var labels []filters.Label
	err := f.Visit([]string{"label", "label!"}, func(_, v string, negate bool) error {
		labels = append(labels, filters.ParseLabel(v, negate))
		return nil
	})
	if err != nil {
		return false, err
	}
	if !filters.MatchAll(labels, s.Labels) {
		return false, nil
	}
	for _, key := range ListFilterKeys {
		vals := f[key]
		if strings.HasPrefix(key, "label") || len(vals) == 0 {
			continue
		}
		any := false
		for _, v := range vals {
			any = any || s.match(key, v)
		}
		ok = ok && any
	}
	return ok, nil
}

func (s *Summary) match(key, v string) bool {
	ctr := func(pred func(c *container.Container) bool) bool { return slices.ContainsFunc(s.Containers, pred) }
	switch key {
	case "id":
		return strings.HasPrefix(s.ID, v)
	case "name":
		return s.Name == v || strings.Contains(s.Name, v)
	case "status":
		return strings.EqualFold(s.State, v)
	case "ctr-names":
		return ctr(func(c *container.Container) bool { return c.Name == v })
	case "ctr-ids":
		return ctr(func(c *container.Container) bool { return strings.HasPrefix(c.ID, v) })
	case "ctr-status":
		return ctr(func(c *container.Container) bool { return c.State.Status == v })
	case "ctr-number":
		return v == strconv.Itoa(len(s.Containers))
	}
	return false
}
