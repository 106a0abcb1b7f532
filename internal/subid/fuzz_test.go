package subid

import (
	"strings"
	"testing"
)

// /etc/subuid and /etc/subgid contents.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"alice:100000:65536\n", "# c\n1000:200000:65536\nbob:x:y\n", "a:4294967295:10\n", "a:-1:-1\n", ":::\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, e := range es {
			_ = e.Range.String()
			_ = e.Range.Overlaps(e.Range)
		}
	})
}
