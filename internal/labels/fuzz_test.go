package labels

import (
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// --label values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a=b", "a", "=b", "a=b=c\x00d="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Parse(fuzzcheck.Args(s))
		fuzzcheck.OneLine(t, "--label", err)
	})
}
