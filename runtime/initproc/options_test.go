package initproc

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    []string
		flags uintptr
		prop  []uintptr
		data  string
	}{
		{[]string{"nosuid", "noexec", "mode=755", "size=65536k"}, unix.MS_NOSUID | unix.MS_NOEXEC, nil, "mode=755,size=65536k"},
		{[]string{"rbind", "ro", "rprivate"}, unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, []uintptr{unix.MS_PRIVATE | unix.MS_REC}, ""},
		{[]string{"ro", "rw"}, 0, nil, ""},
		{[]string{"bind", "z"}, unix.MS_BIND, nil, ""},
	} {
		f, p, d := parseOptions(tc.in)
		if f != tc.flags || !reflect.DeepEqual(p, tc.prop) || d != tc.data {
			t.Errorf("%v: got %x %v %q", tc.in, f, p, d)
		}
	}
}
