package timestamp

import (
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// --since, --until and until= values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"10m", "1h30m", "2024-01-02T15:04:05Z", "2024-01-02T15:04", "2024-01-02", "1700000000.5", "-5s", "1e9", "9999999999999999999", ".5", "2024-13-45"} {
		f.Add(s)
	}
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Parse(s, now)
		fuzzcheck.OneLine(t, "--since "+s, err)
	})
}
