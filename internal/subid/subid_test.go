package subid

import (
	"reflect"
	"strings"
	"testing"
)

const file = `# comment
alice:100000:65536
bob:200000:65536
1000:300000:1000
alice:400000:10
broken:line
alice:x:10
alice:5:0
:7:7
`

func TestParseOf(t *testing.T) {
	t.Parallel()
	es, err := Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 4 {
		t.Fatalf("Parse kept %d entries, want 4: %v", len(es), es)
	}
	for _, tc := range []struct {
		name string
		id   int
		want []Range
	}{
		{"alice", 1000, []Range{{100000, 65536}, {300000, 1000}, {400000, 10}}},
		{"bob", 1001, []Range{{200000, 65536}}},
		{"carol", 1002, nil},
	} {
		if got := es.Of(tc.name, tc.id); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Of(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := NextFree(es, Entries{{"x", Range{500000, 5}}}); got != 500005 {
		t.Errorf("NextFree = %d, want 500005", got)
	}
	if got := NextFree(nil); got != 100000 {
		t.Errorf("NextFree of nothing = %d, want 100000", got)
	}
}

func TestRange(t *testing.T) {
	t.Parallel()
	r := Range{100, 10}
	for _, tc := range []struct {
		o    Range
		want bool
	}{{Range{90, 10}, false}, {Range{90, 11}, true}, {Range{109, 1}, true}, {Range{110, 5}, false}, {Range{0, 1000}, true}} {
		if got := r.Overlaps(tc.o); got != tc.want || tc.o.Overlaps(r) != tc.want {
			t.Errorf("%v overlaps %v = %v, want %v", r, tc.o, got, tc.want)
		}
	}
	if r.String() != "100-109" || !r.Contains(109) || r.Contains(110) {
		t.Errorf("Range %v: String %q, Contains wrong", r, r.String())
	}
}
