package mounts

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTmpfs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, target, opts, err string }{
		{"/run", "/run", "", ""},
		{"/run/", "/run", "", ""},
		{"/run:rw,noexec,nosuid,size=65536k", "/run", "rw,noexec,nosuid,size=65536k", ""},
		{"/t:mode=1777,uid=1000,gid=1000,exec", "/t", "mode=1777,uid=1000,gid=1000,exec", ""},
		{"run", "", "", "mount path must be absolute"},
		{"/", "", "", "destination can't be '/'"},
		{":size=1m", "", "", "mount path must be absolute"},
		{"/t:bogus", "", "", `unknown tmpfs option "bogus"`},
		{"/t:color=red", "", "", `unknown tmpfs option "color=red"`},
	} {
		target, opts, err := ParseTmpfs(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseTmpfs(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || target != tc.target || opts != tc.opts {
			t.Errorf("ParseTmpfs(%q) = %q, %q, %v", tc.in, target, opts, err)
		}
	}
}

func TestTmpfsMountOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{"noexec", "nosuid", "nodev"}},
		{"exec", []string{"exec", "nosuid", "nodev"}},
		{"rw,size=1m,size=2m,mode=700", []string{"noexec", "nosuid", "nodev", "rw", "size=2m", "mode=700"}},
		{"ro,rw", []string{"noexec", "nosuid", "nodev", "rw"}},
		{"suid,dev", []string{"noexec", "suid", "dev"}},
	} {
		if got := TmpfsMountOptions(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("TmpfsMountOptions(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
