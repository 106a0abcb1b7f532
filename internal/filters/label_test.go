package filters

import "testing"

func TestLabel(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"a": "1", "b": ""}
	for _, tc := range []struct {
		filter string
		negate bool
		want   bool
	}{
		{"a", false, true}, {"a=1", false, true}, {"a=2", false, false}, {"b=", false, true},
		{"c", false, false}, {"a", true, false}, {"c", true, true}, {"a=2", true, true},
	} {
		if got := ParseLabel(tc.filter, tc.negate).Matches(labels); got != tc.want {
			t.Errorf("%q negate=%v: %v, want %v", tc.filter, tc.negate, got, tc.want)
		}
	}
	if !MatchAll([]Label{ParseLabel("a", false), ParseLabel("c", true)}, labels) || MatchAll([]Label{ParseLabel("a", false), ParseLabel("c", false)}, labels) {
		t.Error("MatchAll")
	}
}
