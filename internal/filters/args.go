package filters

import (
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Args are --filter values by key, in the order given; values of one key
// are alternatives or all required, as each kind's matching decides.
// "label!" is a key of its own.
type Args map[string][]string

// Parse reads KEY=VALUE filters, as docker does: the key is trimmed and
// lower-cased, and only the keys in allowed pass. Each kind then checks
// and reads the values of its keys (Invalid words what it refuses).
func Parse(in []string, allowed ...string) (Args, error) {
	args := Args{}
	for _, arg := range in {
		raw, val, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, errdefs.Invalid("bad format of filter %q (expected name=value)", arg)
		}
		key := strings.ToLower(strings.TrimSpace(raw))
		if !slices.Contains(allowed, key) {
			return nil, errdefs.Invalid("invalid filter %q: invalid filter '%s': use %s", arg, key, strings.Join(allowed, ", "))
		}
		args[key] = append(args[key], val)
	}
	return args, nil
}

// Visit calls fn for every value, key by key in the order of keys, with
// a negated key ("label!") given as its plain one and negate set; it stops
// at the first error.
func (a Args) Visit(keys []string, fn func(key, value string, negate bool) error) error {
	for _, k := range keys {
		for _, v := range a[k] {
			if err := fn(strings.TrimSuffix(k, "!"), v, strings.HasSuffix(k, "!")); err != nil {
				return err
			}
		}
	}
	return nil
}

// Invalid is the error of a filter value a kind refuses, in docker's
// words ("invalid filter 'KEY=VALUE'"), with what to write instead.
func Invalid(key, value, hint string) error {
	return errdefs.Invalid("invalid filter '%s=%s': %s", key, value, hint)
}
