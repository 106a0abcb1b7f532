package mounts

import (
	"path"
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// -v, --mount, --tmpfs and --volumes-from values.
func FuzzParseMounts(f *testing.F) {
	for _, s := range []string{"/data", "vol:/data", "/host:/ctr:ro,z", "vol:/data:nocopy", "./rel:/x", "C:/x",
		"type=bind,src=/a,dst=/b,readonly", "type=volume,source=v,target=/d,volume-opt=o=size=1m,volume-nocopy",
		"type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777", `"type=bind,src=/a,b",dst=/c`, "type=image,src=x,dst=/y",
		"/run:rw,noexec,nosuid,size=65536k", "ctr:ro", "a:b:c:d", "type=bind,bind-propagation=rshared,src=/,dst=/h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, parse := range []func(string) (Request, error){ParseVolume, func(s string) (Request, error) { return ParseMount(s, "/work") }} {
			r, err := parse(raw)
			fuzzcheck.OneLine(t, raw, err)
			if err == nil && r.Target != "" && !path.IsAbs(r.Target) {
				t.Fatalf("%q: a relative target %q", raw, r.Target)
			}
		}
		_, _, err := ParseTmpfs(raw)
		fuzzcheck.OneLine(t, "--tmpfs "+raw, err)
		_, _, err = ParseVolumesFrom(raw)
		fuzzcheck.OneLine(t, "--volumes-from "+raw, err)
	})
}
