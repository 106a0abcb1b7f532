package network

import (
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/internal/timestamp"
)

// Filters are `network ls --filter` and `network prune --filter` values
// by key: values of one key match when any matches, keys all have to
// match.
type Filters map[string][]string

// Filter keys of network ls and network prune.
var (
	ListFilterKeys  = []string{"driver", "id", "label", "name", "scope", "type", "dangling"}
	PruneFilterKeys = []string{"until", "label", "label!"}
)

// ParseFilters parses key=value filters, allowing only keys.
func ParseFilters(in []string, keys []string) (Filters, error) {
	f, err := filters.Parse(in, keys...)
	if err != nil {
		return nil, err
	}
	if err := f.Visit(keys, checkValue); err != nil {
		return nil, err
	}
	return Filters(f), nil
}

// checkValue refuses a value a key cannot take.
func checkValue(k, v string, _ bool) error {
	switch k {
	case "type":
		if v != "custom" && v != "builtin" {
			return filters.Invalid(k, v, "use type=custom or type=builtin")
		}
	case "dangling":
		if _, err := strconv.ParseBool(v); err != nil {
			return filters.Invalid(k, v, "use dangling=true or dangling=false")
		}
	case "until":
		if _, err := timestamp.Parse(v, time.Now()); err != nil {
			return filters.Invalid(k, v, err.Error())
		}
	}
	return nil
}

// Match reports whether n passes the filters; used tells whether a
// container uses n (dangling=).
func (f Filters) Match(n *Network, used func() bool) bool {
	for k, vals := range f {
		if !f.matchKey(k, vals, n, used) {
			return false
		}
	}
	return true
}

func (f Filters) matchKey(k string, vals []string, n *Network, used func() bool) bool {
	if k == "label!" {
		for _, v := range vals {
			if filters.ParseLabel(v, false).Matches(n.Labels) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		ok := false
		switch k {
		case "driver":
			ok = n.Driver == v
		case "id":
			ok = strings.HasPrefix(n.ID, v)
		case "name":
			ok = strings.Contains(n.Name, v)
		case "scope":
			ok = v == "local"
		case "type":
			ok = (v == "builtin") == n.BuiltIn
		case "label":
			ok = filters.ParseLabel(v, false).Matches(n.Labels)
		case "dangling":
			b, _ := strconv.ParseBool(v)
			ok = !n.BuiltIn && used() != b
		case "until":
			t, _ := timestamp.Parse(v, time.Now())
			ok = n.Created.Before(t)
		}
		if ok {
			return true
		}
	}
	return false
}
