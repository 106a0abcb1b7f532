package filters

import (
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// --filter values (several, NUL-separated).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"name=web", "label=a=b\x00label!=c", "status=running", "until=10m", "=x", "name", "dangling=true", "before=abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args, err := Parse(fuzzcheck.Args(s), "name", "label", "label!", "status", "until", "dangling", "before")
		fuzzcheck.OneLine(t, "--filter", err)
		if err == nil {
			for _, vals := range args["label"] {
				ParseLabel(vals, false)
			}
		}
	})
}
