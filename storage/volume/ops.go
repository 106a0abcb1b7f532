package volume

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/filters"
)

// Users returns, for every volume some container uses, the names of those
// containers. The runtime provides it; the store calls it with its lock
// held, so no container can start using a volume meanwhile.
type Users func() (map[string][]string, error)

// Filter is a parsed --filter list: key -> accepted values.
type Filter filters.Args

// ParseFilters reads "key=value" filters; keys names the keys allowed.
func ParseFilters(in []string, keys ...string) (Filter, error) {
	f, err := filters.Parse(in, keys...)
	if err != nil {
		return nil, err
	}
	for _, v := range f["dangling"] {
		switch strings.ToLower(v) {
		case "true", "1", "false", "0":
		default:
			return nil, filters.Invalid("dangling", v, "use dangling=true or dangling=false")
		}
	}
	return Filter(f), nil
}

// match reports whether v passes the filter; users says who uses it.
func (f Filter) match(v *Volume, users []string) bool {
	for k, vals := range f {
		var ok bool
		switch k {
		case "name":
			ok = anyMatch(vals, func(p string) bool { return regexMatch(p, v.Name) })
		case "driver":
			ok = anyMatch(vals, func(p string) bool { return p == v.Driver })
		case "dangling":
			want := vals[len(vals)-1] == "true" || vals[len(vals)-1] == "1"
			ok = want == (len(users) == 0)
		case "label":
			ok = allMatch(vals, func(p string) bool { return filters.ParseLabel(p, false).Matches(v.Labels) })
		case "label!":
			ok = !anyMatch(vals, func(p string) bool { return filters.ParseLabel(p, false).Matches(v.Labels) })
		default:
			ok = true
		}
		if !ok {
			return false
		}
	}
	return true
}

func anyMatch(vals []string, fn func(string) bool) bool {
	for _, v := range vals {
		if fn(v) {
			return true
		}
	}
	return false
}

func allMatch(vals []string, fn func(string) bool) bool {
	for _, v := range vals {
		if !fn(v) {
			return false
		}
	}
	return true
}

func regexMatch(pattern, s string) bool {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return strings.Contains(s, pattern)
	}
	return re.MatchString(s)
}

// ListOptions select volumes for `volume ls`.
type ListOptions struct {
	Filters []string
	Users   Users
}

// ListMatching returns the volumes passing the filters (name, driver,
// dangling, label), sorted by name.
func (s *Store) ListMatching(o ListOptions) ([]*Volume, error) {
	f, err := ParseFilters(o.Filters, "name", "driver", "dangling", "label")
	if err != nil {
		return nil, err
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	users := map[string][]string{}
	if _, ok := f["dangling"]; ok && o.Users != nil {
		if users, err = o.Users(); err != nil {
			return nil, err
		}
	}
	var out []*Volume
	for _, v := range all {
		if f.match(v, users[v.Name]) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Create makes a volume under the store's lock (see Tx.Create).
func (s *Store) Create(o CreateOptions) (*Volume, error) {
	t, err := s.Lock()
	if err != nil {
		return nil, err
	}
	defer t.Unlock()
	v, _, err := t.Create(o)
	return v, err
}

// RemoveOptions are `volume rm`'s.
type RemoveOptions struct {
	// Force ignores volumes that do not exist; a volume in use is never
	// removed, as in docker.
	Force bool
	Users Users
}

// Remove deletes one volume unless a container uses it; nothing changes
// when it refuses.
func (s *Store) Remove(name string, o RemoveOptions) error {
	t, err := s.Lock()
	if err != nil {
		return err
	}
	defer t.Unlock()
	if _, err := t.Get(name); err != nil {
		if o.Force && errdefs.IsNotFound(err) {
			return nil
		}
		return err
	}
	if o.Users != nil {
		users, err := o.Users()
		if err != nil {
			return err
		}
		if u := users[name]; len(u) > 0 {
			return errdefs.InUse("remove %s: volume is in use - [%s]: remove the container%s first", name, strings.Join(u, ", "), plural(len(u)))
		}
	}
	return t.Remove(name)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// PruneOptions are `volume prune`'s.
type PruneOptions struct {
	// All removes named volumes too; else only anonymous ones.
	All     bool
	Filters []string
	Users   Users
}

// PruneReport lists what prune removed and the space it freed.
type PruneReport struct {
	Removed   []string
	Reclaimed int64
}

// Prune removes the volumes no container uses: anonymous ones, or all
// with All, that pass the filters (label, label!).
func (s *Store) Prune(o PruneOptions) (*PruneReport, error) {
	f, err := ParseFilters(o.Filters, "label", "label!", "all")
	if err != nil {
		return nil, err
	}
	if a, ok := f["all"]; ok {
		o.All = o.All || a[len(a)-1] == "true" || a[len(a)-1] == "1"
		delete(f, "all")
	}
	t, err := s.Lock()
	if err != nil {
		return nil, err
	}
	defer t.Unlock()
	users := map[string][]string{}
	if o.Users != nil {
		if users, err = o.Users(); err != nil {
			return nil, err
		}
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	rep := &PruneReport{}
	for _, v := range all {
		if len(users[v.Name]) > 0 || (!o.All && !v.Anonymous()) || !f.match(v, nil) {
			continue
		}
		size := dirSize(v.Mountpoint)
		if err := t.Remove(v.Name); err != nil {
			return rep, fmt.Errorf("pruning volume %s: %w", v.Name, err)
		}
		rep.Removed = append(rep.Removed, v.Name)
		rep.Reclaimed += size
	}
	return rep, nil
}

// dirSize is the apparent size of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// DiskUsage is the apparent size of the volume's files.
func (v *Volume) DiskUsage() int64 { return dirSize(v.Mountpoint) }
