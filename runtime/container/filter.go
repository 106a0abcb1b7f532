package container

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/internal/timestamp"
)

// Filters are docker's --filter values for containers, parsed. Values of
// one key are alternatives; different keys must all match (labels: every
// one must match).
type Filters struct {
	// IDs and Names are unanchored regular expressions, as in docker:
	// "id=3f" matches every ID containing 3f, "name=^web$" one name.
	IDs, Names []*regexp.Regexp
	Labels     []LabelFilter
	Statuses   []string
	Exited     []int
	// Ancestors are image references or IDs: containers of the image or
	// of an image built on it match.
	Ancestors []string
	Networks  []string
	// Volumes match a mount's volume name, bind source or destination.
	Volumes []string
	// Before and Since name containers: only older (newer) ones match.
	Before, Since string
	// Until matches containers created before the time (prune).
	Until time.Time
	// Health is health=starting|healthy|unhealthy|none.
	Health []string
	// Pods are pod=: pod IDs (the caller resolves names, runtime/pod).
	Pods []string
}

// LabelFilter is "label=KEY" or "label=KEY=VALUE", negated for
// "label!=..." (prune).
type LabelFilter = filters.Label

// PsFilterKeys are the filters ps accepts.
var PsFilterKeys = []string{"id", "name", "label", "status", "exited", "health", "ancestor", "network", "volume", "before", "since", "pod"}

// PruneFilterKeys are the filters container prune accepts.
var PruneFilterKeys = []string{"until", "label", "label!"}

// statuses are the values of status=.
var statuses = []string{StatusCreated, StatusRestarting, StatusRunning, StatusRemoving, StatusPaused, StatusExited, StatusDead}

// ParseFilters parses --filter arguments ("key=value"); allowed lists the
// keys the command accepts.
func ParseFilters(args []string, allowed []string) (*Filters, error) {
	parsed, err := filters.Parse(args, allowed...)
	if err != nil {
		return nil, err
	}
	f := &Filters{}
	if err := parsed.Visit(allowed, f.add); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Filters) add(key, val string, negate bool) error {
	bad := func(hint string) error { return filters.Invalid(key, val, hint) }
	switch key {
	case "id", "name":
		re, err := regexp.Compile(val)
		if err != nil {
			return bad("not a valid regular expression")
		}
		if key == "id" {
			f.IDs = append(f.IDs, re)
		} else {
			f.Names = append(f.Names, re)
		}
	case "label":
		l := filters.ParseLabel(val, negate)
		if l.Key == "" {
			return bad("use label=KEY or label=KEY=VALUE")
		}
		f.Labels = append(f.Labels, l)
	case "status":
		if !slices.Contains(statuses, val) {
			return bad("use " + strings.Join(statuses, ", "))
		}
		f.Statuses = append(f.Statuses, val)
	case "exited":
		code, err := strconv.Atoi(val)
		if err != nil {
			return bad("use an exit code (exited=0)")
		}
		f.Exited = append(f.Exited, code)
	case "health":
		if !slices.Contains([]string{HealthStarting, HealthHealthy, HealthUnhealthy, "none"}, val) {
			return bad("use starting, healthy, unhealthy or none")
		}
		f.Health = append(f.Health, val)
	case "ancestor":
		f.Ancestors = append(f.Ancestors, val)
	case "network":
		f.Networks = append(f.Networks, val)
	case "volume":
		f.Volumes = append(f.Volumes, val)
	case "pod":
		f.Pods = append(f.Pods, val)
	case "before":
		f.Before = val
	case "since":
		f.Since = val
	case "until":
		t, err := timestamp.Parse(val, time.Now())
		if err != nil {
			return bad(err.Error())
		}
		if f.Until.IsZero() || t.Before(f.Until) {
			f.Until = t
		}
	}
	return nil
}

// matchBasic applies the filters that need nothing but the container.
func (f *Filters) matchBasic(c *Container) bool {
	if len(f.IDs) > 0 && !anyMatch(f.IDs, c.ID) {
		return false
	}
	if len(f.Names) > 0 && !anyMatch(f.Names, c.Name) && !anyMatch(f.Names, "/"+c.Name) {
		return false
	}
	if !filters.MatchAll(f.Labels, c.Config.Labels) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, c.State.Status) {
		return false
	}
	if len(f.Exited) > 0 && (c.State.Status != StatusExited || c.State.StartCount == 0 || !slices.Contains(f.Exited, c.State.ExitCode)) {
		return false
	}
	if len(f.Health) > 0 && !slices.Contains(f.Health, c.healthStatus()) {
		return false
	}
	if len(f.Pods) > 0 && !slices.Contains(f.Pods, c.Pod) {
		return false
	}
	if len(f.Networks) > 0 && !c.onNetwork(f.Networks) {
		return false
	}
	if !f.Until.IsZero() && !c.Created.Before(f.Until) {
		return false
	}
	return len(f.Volumes) == 0 || f.matchVolumes(c)
}

// matchVolumes reports whether one of the container's mounts is a
// volume=: its volume name (or bind source) or its destination.
func (f *Filters) matchVolumes(c *Container) bool {
	for _, m := range c.Mounts {
		name := m.Name
		if name == "" {
			name = m.Source
		}
		if slices.Contains(f.Volumes, name) || slices.Contains(f.Volumes, m.Destination) {
			return true
		}
	}
	return false
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.String() == s || re.MatchString(s) {
			return true
		}
	}
	return false
}
