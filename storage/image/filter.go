package image

import (
	"path"
	"slices"
	"sort"
	"strconv"
	"time"

	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/internal/timestamp"
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
// keys the command accepts, label also allowing label!.
func ParseFilters(args []string, allowed ...string) (*Filters, error) {
	if slices.Contains(allowed, "label") && !slices.Contains(allowed, "label!") {
		allowed = append(slices.Clone(allowed), "label!")
	}
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
	switch key {
	case "dangling":
		b, err := strconv.ParseBool(val)
		if err != nil {
			return filters.Invalid(key, val, "use dangling=true or dangling=false")
		}
		if f.Dangling != nil && *f.Dangling != b {
			return errdefs.Invalid("conflicting filters dangling=true and dangling=false: give one")
		}
		f.Dangling = &b
	case "reference":
		if _, err := path.Match(val, ""); err != nil {
			return filters.Invalid(key, val, "bad pattern")
		}
		f.References = append(f.References, val)
	case "label":
		l := filters.ParseLabel(val, negate)
		if l.Key == "" {
			return filters.Invalid(key, val, "use label=KEY or label=KEY=VALUE")
		}
		f.Labels = append(f.Labels, l)
	case "before":
		f.Before = append(f.Before, val)
	case "since":
		f.Since = append(f.Since, val)
	case "until":
		t, err := timestamp.Parse(val, time.Now())
		if err != nil {
			return filters.Invalid(key, val, err.Error())
		}
		if f.Until.IsZero() || t.Before(f.Until) {
			f.Until = t
		}
	}
	return nil
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
