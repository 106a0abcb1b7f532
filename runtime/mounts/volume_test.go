package mounts

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseVolume(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Request
	}{
		{"/data", Request{Flag: FlagVolume, Mount: Mount{Type: TypeVolume, Target: "/data"}, CopyData: true}},
		{"/data/", Request{Flag: FlagVolume, Mount: Mount{Type: TypeVolume, Target: "/data"}, CopyData: true}},
		{"/host:/ctr", Request{Flag: FlagVolume, Mount: Mount{Type: TypeBind, Source: "/host", Target: "/ctr"}, Bind: "/host:/ctr"}},
		{"/host:/ctr:ro", Request{Flag: FlagVolume, Mount: Mount{Type: TypeBind, Source: "/host", Target: "/ctr", ReadOnly: true}, Mode: "ro", Bind: "/host:/ctr:ro"}},
		{"/host:/ctr:rw,z", Request{Flag: FlagVolume, Mount: Mount{Type: TypeBind, Source: "/host", Target: "/ctr"}, Mode: "rw,z", Bind: "/host:/ctr:rw,z"}},
		{"/host:/ctr:Z", Request{Flag: FlagVolume, Mount: Mount{Type: TypeBind, Source: "/host", Target: "/ctr"}, Mode: "Z", Bind: "/host:/ctr:Z"}},
		{"/host:/ctr:ro,rshared", Request{Flag: FlagVolume, Mount: Mount{Type: TypeBind, Source: "/host", Target: "/ctr", ReadOnly: true,
			BindOptions: &BindOptions{Propagation: "rshared"}}, Mode: "ro,rshared", Bind: "/host:/ctr:ro,rshared"}},
		{"data:/ctr", Request{Flag: FlagVolume, Mount: Mount{Type: TypeVolume, Source: "data", Target: "/ctr"}, Bind: "data:/ctr", CopyData: true}},
		{"data:/ctr:ro", Request{Flag: FlagVolume, Mount: Mount{Type: TypeVolume, Source: "data", Target: "/ctr", ReadOnly: true}, Mode: "ro", Bind: "data:/ctr:ro", CopyData: true}},
		{"data:/ctr:nocopy", Request{Flag: FlagVolume, Mount: Mount{Type: TypeVolume, Source: "data", Target: "/ctr",
			VolumeOptions: &VolumeOptions{NoCopy: true}}, Mode: "nocopy", Bind: "data:/ctr:nocopy"}},
		{"my_vol.1-x:/a/b/../c", Request{Flag: FlagVolume, Mount: Mount{Type: TypeVolume, Source: "my_vol.1-x", Target: "/a/c"}, Bind: "my_vol.1-x:/a/b/../c", CopyData: true}},
		{"/host:/ctr:cached", Request{Flag: FlagVolume, Mount: Mount{Type: TypeBind, Source: "/host", Target: "/ctr"}, Mode: "cached", Bind: "/host:/ctr:cached"}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseVolume(tc.in)
			if err != nil {
				t.Fatalf("ParseVolume(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseVolume(%q) =\n %+v\nwant\n %+v", tc.in, got, tc.want)
			}
		})
	}
	bad := []struct{ in, want string }{
		{"", "invalid volume specification: ''"},
		{":/ctr", "invalid volume specification: ':/ctr'"},
		{"/foo:rw", "invalid volume specification: '/foo:rw'"},
		{"/a:/b:/c:/d", "invalid volume specification: '/a:/b:/c:/d'"},
		{"/a:/b:rx", "invalid mode: rx"},
		{"/a:/b:ro,rw", "invalid mode: ro,rw"},
		{"/a:/b:z,Z", "invalid mode: z,Z"},
		{"/a:/b:shared,slave", "invalid mode: shared,slave"},
		{"/a:/", `invalid volume specification: '/a:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`},
		{"/a:rel", `invalid volume specification: '/a:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`},
		{"rel", "invalid mount path: 'rel' mount path must be absolute"},
		{"/a:/b:nocopy", `invalid mount config for type "bind": field VolumeOptions must not be specified`},
		{"data:/b:rshared", `invalid mount config for type "volume": field BindOptions must not be specified`},
		{"./src:/b", `create ./src: "./src" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`},
		{"src/x:/b", `"src/x" includes invalid characters for a local volume name`},
		{"x:/b", "volume name is too short, names should be at least two alphanumeric characters"},
		{"_x:/b", "includes invalid characters"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.in, func(t *testing.T) {
			t.Parallel()
			_, err := ParseVolume(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseVolume(%q) error = %v, want it to contain %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestAbsoluteBind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"./src:/app", "/home/u/p/src:/app"},
		{".:/app:ro", "/home/u/p:/app:ro"},
		{"./a/../b:/app", "/home/u/p/b:/app"},
		{"../src:/app", "../src:/app"},
		{"src:/app", "src:/app"},
		{"/abs:/app", "/abs:/app"},
		{"./src", "./src"},
	} {
		if got := AbsoluteBind(tc.in, "/home/u/p"); got != tc.want {
			t.Errorf("AbsoluteBind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseVolumesFrom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, ctr, mode, err string }{
		{"web", "web", "rw", ""},
		{"web:ro", "web", "ro", ""},
		{"web:rw,z", "web", "rw,z", ""},
		{"", "", "", "cannot be an empty string"},
		{"web:rshared", "", "", "invalid mode: rshared"},
		{"web:nocopy", "", "", "invalid mode: nocopy"},
		{"web:xx", "", "", "invalid mode: xx"},
	} {
		ctr, mode, err := ParseVolumesFrom(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseVolumesFrom(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || ctr != tc.ctr || mode != tc.mode {
			t.Errorf("ParseVolumesFrom(%q) = %q, %q, %v", tc.in, ctr, mode, err)
		}
	}
}

func TestValidateVolumeName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"ab", true}, {"a.b_c-d", true}, {"0data", true},
		{"a", false}, {".a", false}, {"-a", false}, {"a/b", false}, {"a b", false}, {"", false},
	} {
		if err := ValidateVolumeName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidateVolumeName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
