// Package filters holds what docker's --filter options share across
// object kinds (containers, images, volumes, networks, events): the one
// parser of KEY=VALUE filters with its wordings (Parse, Invalid), and the
// label= match. Each kind keeps its own matching; times (until=) are
// internal/timestamp's. It imports nothing from skiff but
// internal/errdefs.
package filters

import "strings"

// Label is a label= filter, "KEY" (the label is present) or "KEY=VALUE";
// Negate makes it label!= (prune).
type Label struct {
	Key, Value string
	HasValue   bool
	Negate     bool
}

// ParseLabel reads the value of a label= (or, with negate, label!=)
// filter. The key may be empty: callers that require one check Key.
func ParseLabel(value string, negate bool) Label {
	k, v, has := strings.Cut(value, "=")
	return Label{Key: k, Value: v, HasValue: has, Negate: negate}
}

// Matches reports whether labels satisfy l.
func (l Label) Matches(labels map[string]string) bool {
	v, has := labels[l.Key]
	return (has && (!l.HasValue || v == l.Value)) != l.Negate
}

// MatchAll reports whether labels satisfy every filter of ls.
func MatchAll(ls []Label, labels map[string]string) bool {
	for _, l := range ls {
		if !l.Matches(labels) {
			return false
		}
	}
	return true
}
