package mounts

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMount(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Request
	}{
		{"type=bind,source=/h,target=/c", Request{Flag: FlagMount, Mount: Mount{Type: TypeBind, Source: "/h", Target: "/c"}}},
		{"type=bind,src=/h/,dst=/c/,readonly", Request{Flag: FlagMount, Mount: Mount{Type: TypeBind, Source: "/h", Target: "/c", ReadOnly: true}}},
		{"type=bind,src=./h,destination=/c,ro=true", Request{Flag: FlagMount, Mount: Mount{Type: TypeBind, Source: "/w/h", Target: "/c", ReadOnly: true}}},
		{"type=bind,src=.,target=/c,bind-propagation=rslave", Request{Flag: FlagMount, Mount: Mount{Type: TypeBind, Source: "/w", Target: "/c",
			BindOptions: &BindOptions{Propagation: "rslave"}}}},
		{"type=bind,src=/h,target=/c,bind-nonrecursive", Request{Flag: FlagMount, Mount: Mount{Type: TypeBind, Source: "/h", Target: "/c",
			BindOptions: &BindOptions{NonRecursive: true}}}},
		{"target=/c", Request{Flag: FlagMount, Mount: Mount{Type: TypeVolume, Target: "/c"}, CopyData: true}},
		{"type=volume,source=data,target=/c", Request{Flag: FlagMount, Mount: Mount{Type: TypeVolume, Source: "data", Target: "/c"}, CopyData: true}},
		{"type=VOLUME,source=data,target=/c,volume-nocopy", Request{Flag: FlagMount, Mount: Mount{Type: TypeVolume, Source: "data", Target: "/c",
			VolumeOptions: &VolumeOptions{NoCopy: true, Labels: map[string]string{}, DriverConfig: &Driver{}}}}},
		{"type=volume,source=data,target=/c,volume-label=a=b,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs",
			Request{Flag: FlagMount, Mount: Mount{Type: TypeVolume, Source: "data", Target: "/c",
				VolumeOptions: &VolumeOptions{Labels: map[string]string{"a": "b"},
					DriverConfig: &Driver{Name: "local", Options: map[string]string{"type": "tmpfs", "device": "tmpfs"}}}}, CopyData: true}},
		{"type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770", Request{Flag: FlagMount, Mount: Mount{Type: TypeTmpfs, Target: "/t",
			TmpfsOptions: &TmpfsOptions{SizeBytes: 64 << 20, Mode: 0o1770}}}},
		{`"type=bind","source=/a,b",target=/c`, Request{Flag: FlagMount, Mount: Mount{Type: TypeBind, Source: "/a,b", Target: "/c"}}},
	}
	for _, tc := range good {
		got, err := ParseMount(tc.in, "/w")
		if err != nil {
			t.Errorf("ParseMount(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseMount(%q) =\n %+v\nwant\n %+v", tc.in, got, tc.want)
		}
	}
	bad := []struct{ in, want string }{
		{"type=bind,source=/h", "target is required"},
		{"type=,target=/c", "type is required"},
		{"type=bind,target=/c", `invalid mount config for type "bind": field Source must not be empty`},
		{"type=bind,source=rel,target=/c", `mount path must be absolute`},
		{"type=bind,source=/h,target=/", "destination can't be '/'"},
		{"type=bind,source=/h,target=c", "invalid mount path: 'c' mount path must be absolute"},
		{"type=bind,source=/h,target=/c,bind-propagation=weird", "invalid propagation mode: weird"},
		{"type=bind,source=/h,target=/c,volume-nocopy", "cannot mix 'volume-*' options with mount type 'bind'"},
		{"type=volume,target=/c,bind-propagation=shared", "cannot mix 'bind-*' options with mount type 'volume'"},
		{"type=bind,source=/h,target=/c,tmpfs-size=1m", "cannot mix 'tmpfs-*' options with mount type 'bind'"},
		{"type=volume,target=/c,readonly", "must not set ReadOnly mode when using anonymous volumes"},
		{"type=tmpfs,source=x,target=/c", `invalid mount config for type "tmpfs": field Source must not be specified`},
		{"type=weird,target=/c", `invalid mount config for type "weird": mount type unknown`},
		{"type=image,source=img,target=/c", `mount type "image" is not supported by skiff`},
		{"type=volume,source=data,target=/c,volume-driver=nfs", `volume driver "nfs" is not supported`},
		{"type=volume,source=x,target=/c", "volume name is too short"},
		{"type=bind,source=/h,target=/c,bogus=1", "unexpected key 'bogus' in 'bogus=1'"},
		{"type=bind,source=/h,target=/c,bogus", "invalid field 'bogus' must be a key=value pair"},
		{"type=bind,source=/h,target=/c,readonly=maybe", "invalid value for readonly: maybe"},
		{"type=tmpfs,target=/c,tmpfs-size=lots", "invalid value for tmpfs-size: lots"},
		{"type=tmpfs,target=/c,tmpfs-mode=999", "invalid value for tmpfs-mode: 999"},
		{`type=bind,"source=/h`, `invalid argument`},
	}
	for _, tc := range bad {
		_, err := ParseMount(tc.in, "/w")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseMount(%q) error = %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

func TestTmpfsData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    Mount
		want string
	}{
		{Mount{Type: TypeTmpfs}, ""},
		{Mount{Type: TypeTmpfs, ReadOnly: true}, "ro"},
		{Mount{Type: TypeTmpfs, TmpfsOptions: &TmpfsOptions{SizeBytes: 64 << 20, Mode: 0o700}}, "mode=700,size=64m"},
		{Mount{Type: TypeTmpfs, TmpfsOptions: &TmpfsOptions{SizeBytes: 3 << 30}}, "size=3g"},
		{Mount{Type: TypeTmpfs, TmpfsOptions: &TmpfsOptions{SizeBytes: 1536}}, "size=1536"},
		{Mount{Type: TypeTmpfs, TmpfsOptions: &TmpfsOptions{SizeBytes: 2048}}, "size=2k"},
	} {
		if got := TmpfsData(&tc.m); got != tc.want {
			t.Errorf("TmpfsData(%+v) = %q, want %q", tc.m, got, tc.want)
		}
	}
}
