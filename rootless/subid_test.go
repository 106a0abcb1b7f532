package rootless

import (
	"reflect"
	"testing"
)

func TestIDMapArgs(t *testing.T) {
	t.Parallel()
	got := IDMapArgs(1000, []Range{{Start: 100000, Count: 65536}, {Start: 300000, Count: 1000}})
	want := []string{"0", "1000", "1", "1", "100000", "65536", "65537", "300000", "1000"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("IDMapArgs = %v, want %v", got, want)
	}
	if got := IDMapArgs(5, nil); !reflect.DeepEqual(got, []string{"0", "5", "1"}) {
		t.Fatalf("IDMapArgs without ranges = %v", got)
	}
}
