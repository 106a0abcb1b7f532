package rootless

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSubIDs(t *testing.T) {
	t.Parallel()
	file := `# comment
alice:100000:65536
bob:200000:65536
1000:300000:1000
alice:400000:10
broken:line
alice:x:10
alice:5:0
`
	for _, tc := range []struct {
		name string
		id   int
		want []Range
	}{
		{"alice", 1000, []Range{{100000, 65536}, {300000, 1000}, {400000, 10}}},
		{"bob", 1001, []Range{{200000, 65536}}},
		{"carol", 1002, nil},
	} {
		got, err := ParseSubIDs(strings.NewReader(file), tc.name, tc.id)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseSubIDs(%s) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestIDMapArgs(t *testing.T) {
	t.Parallel()
	got := IDMapArgs(1000, []Range{{100000, 65536}, {300000, 1000}})
	want := []string{"0", "1000", "1", "1", "100000", "65536", "65537", "300000", "1000"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("IDMapArgs = %v, want %v", got, want)
	}
	if got := IDMapArgs(5, nil); !reflect.DeepEqual(got, []string{"0", "5", "1"}) {
		t.Fatalf("IDMapArgs without ranges = %v", got)
	}
}
