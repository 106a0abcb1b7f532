package image

import (
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/filters"
)

// Filters are docker's --filter values for images, parsed.
type Filters struct {
	// Dangling is nil when not filtered, else whether untagged images are
	// wanted (true) or tagged ones (false).
	Dangling *bool
	// References are patterns matched against familiar names, as
	// path.Match globs: "busybox", "busybox:1.*", "*/app".
	References []string
	Labels     []LabelFilter
	// Before and Since name images: only older (newer) images match.
	Before, Since []string
	// Until matches images created before the time.
	Until time.Time
}

// LabelFilter is "label=KEY" or "label=KEY=VALUE", negated for
// "label!=..." (prune).
type LabelFilter = filters.Label

// ParseFilters parses --filter arguments ("key=value"); allowed lists the
// keys the command accepts.
func ParseFilters(args []string, allowed ...string) (*Filters, error) {
	f := &Filters{}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, arg := range args {
		key, val, found := strings.Cut(arg, "=")
		negate := strings.HasSuffix(key, "!")
		key = strings.ToLower(strings.TrimSuffix(key, "!"))
		if !found || !ok[key] || (negate && key != "label") {
			return nil, errdefs.Invalid("invalid filter %q: use %s (KEY=VALUE)", arg, strings.Join(allowed, ", "))
		}
		if err := f.add(key, val, negate); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *Filters) add(key, val string, negate bool) error {
	switch key {
	case "dangling":
		b, err := strconv.ParseBool(val)
		if err != nil {
			return errdefs.Invalid("invalid filter 'dangling=%s': use dangling=true or dangling=false", val)
		}
		if f.Dangling != nil && *f.Dangling != b {
			return errdefs.Invalid("conflicting filters dangling=true and dangling=false: give one")
		}
		f.Dangling = &b
	case "reference":
		if _, err := path.Match(val, ""); err != nil {
			return errdefs.Invalid("invalid filter 'reference=%s': bad pattern", val)
		}
		f.References = append(f.References, val)
	case "label":
		l := filters.ParseLabel(val, negate)
		if l.Key == "" {
			return errdefs.Invalid("invalid filter 'label=%s': use label=KEY or label=KEY=VALUE", val)
		}
		f.Labels = append(f.Labels, l)
	case "before":
		f.Before = append(f.Before, val)
	case "since":
		f.Since = append(f.Since, val)
	case "until":
		t, err := ParseTimestamp(val, time.Now())
		if err != nil {
			return err
		}
		if f.Until.IsZero() || t.Before(f.Until) {
			f.Until = t
		}
	}
	return nil
}

// ParseTimestamp reads docker's --filter until= and --since values: a Go
// duration before now ("10m", "24h"), RFC 3339, a date, or Unix seconds.
func ParseTimestamp(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(secs)
		return time.Unix(sec, int64((secs-float64(sec))*1e9)), nil
	}
	return time.Time{}, errdefs.Invalid("invalid time %q: use a duration (10m, 24h), a date (2006-01-02), RFC 3339 or Unix seconds", s)
}

// matchReference reports whether a familiar name matches a pattern as
// docker's reference filter does: the whole name:tag, or the repository.
func matchReference(pattern string, ref reference.Named) bool {
	ok, _ := reference.FamiliarMatch(pattern, ref)
	return ok
}

// keepMatching keeps the names matching any reference pattern; with no
// patterns everything is kept.
func (f *Filters) keepMatching(names []RepoTag) []RepoTag {
	if len(f.References) == 0 {
		return names
	}
	var out []RepoTag
	for _, n := range names {
		for _, p := range f.References {
			if matchReference(p, n.Named) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// sortSummaries orders images newest first, as docker lists them.
func sortSummaries(list []Summary) {
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].Created.Equal(list[j].Created) {
			return list[i].Created.After(list[j].Created)
		}
		return list[i].ID < list[j].ID
	})
}
