package container

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestKeepIDMap(t *testing.T) {
	t.Parallel()
	m := func(c, h, s uint32) specs.LinuxIDMapping {
		return specs.LinuxIDMapping{ContainerID: c, HostID: h, Size: s}
	}
	for _, tc := range []struct {
		id, total int
		want      []specs.LinuxIDMapping
	}{
		// skiff's namespace: 0 = the user, 1..65536 = subordinate ids
		{1000, 65537, []specs.LinuxIDMapping{m(0, 1, 1000), m(1000, 0, 1), m(1001, 1001, 64536)}},
		{1001, 65537, []specs.LinuxIDMapping{m(0, 1, 1001), m(1001, 0, 1), m(1002, 1002, 64535)}},
		// a uid beyond the subordinate range: everything below shifts by one
		{200000, 65537, []specs.LinuxIDMapping{m(0, 1, 65536), m(200000, 0, 1)}},
		{65536, 65537, []specs.LinuxIDMapping{m(0, 1, 65536), m(65536, 0, 1)}},
		{0, 65537, []specs.LinuxIDMapping{m(0, 0, 1), m(1, 1, 65536)}},
		{5, 1, nil},
	} {
		if got := KeepIDMap(tc.id, tc.total); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("KeepIDMap(%d, %d) = %v, want %v", tc.id, tc.total, got, tc.want)
		}
	}
}

func TestFuseMap(t *testing.T) {
	t.Parallel()
	got := fuseMap(KeepIDMap(1001, 65537))
	if want := "0:1:1001:1001:0:1:1002:1002:64535"; got != want {
		t.Errorf("fuseMap = %q, want %q", got, want)
	}
}
