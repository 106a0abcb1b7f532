package labels

import (
	"maps"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	got, err := Parse([]string{"a=1", "b", "c=x=y", "a=2"})
	if want := map[string]string{"a": "2", "b": "", "c": "x=y"}; err != nil || !maps.Equal(got, want) {
		t.Errorf("Parse = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"=v", ""} {
		if _, err := Parse([]string{bad}); err == nil {
			t.Errorf("Parse(%q): want an error", bad)
		}
	}
}
