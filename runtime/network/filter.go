package network

import (
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/filters"
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
	f := Filters{}
	for _, s := range in {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, errdefs.Invalid("bad format of filter (expected name=value): %s", s)
		}
		k = strings.ToLower(k)
		if !containsString(keys, k) {
			return nil, errdefs.Invalid("invalid filter '%s'", k)
		}
		switch k {
		case "type":
			if v != "custom" && v != "builtin" {
				return nil, errdefs.Invalid("invalid filter: 'type'='%s'", v)
			}
		case "dangling":
			if _, err := strconv.ParseBool(v); err != nil {
				return nil, errdefs.Invalid("invalid filter 'dangling=%s'", v)
			}
		case "until":
			if _, err := parseUntil(v); err != nil {
				return nil, err
			}
		}
		f[k] = append(f[k], v)
	}
	return f, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
			t, _ := parseUntil(v)
			ok = n.Created.Before(t)
		}
		if ok {
			return true
		}
	}
	return false
}

// parseUntil reads docker's until=: a duration before now, a unix
// timestamp or an RFC 3339 time.
func parseUntil(v string) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return time.Now().Add(-d), nil
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Unix(0, int64(secs*1e9)), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errdefs.Invalid("invalid until value %q: use a duration (24h), a unix timestamp or an RFC 3339 time", v)
}
