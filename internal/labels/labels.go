// Package labels parses docker's --label values (run, create, volume
// create, network create): KEY=VALUE, or a bare KEY for an empty value.
// It imports nothing from skiff but internal/errdefs.
package labels

import (
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Parse reads KEY[=VALUE] labels into a map; a later KEY wins.
func Parse(in []string) (map[string]string, error) {
	out := map[string]string{}
	for _, l := range in {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, errdefs.Invalid("invalid label %q: use key=value", l)
		}
		out[k] = v
	}
	return out, nil
}
