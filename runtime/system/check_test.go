package system

import (
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/hostcheck"
	"github.com/skiff-containers/skiff/runtime/cgroups"
)

func TestCgroupCheck(t *testing.T) {
	t.Parallel()
	all := map[string]bool{"cpu": true, "cpuset": true, "io": true, "memory": true, "pids": true}
	v1 := map[string]bool{"cpu": true, "cpuacct": true, "cpuset": true, "blkio": true, "memory": true, "pids": true, "freezer": true}
	for _, tc := range []struct {
		name     string
		facts    cgroups.Facts
		rootless bool
		want     []string // substrings of the one finding; nil: none
	}{
		{"v1", cgroups.Facts{Mode: cgroups.Legacy, Reason: "the host uses cgroup v1"}, true,
			[]string{"--memory, --cpus", "the host uses cgroup v1", "systemd.unified_cgroup_hierarchy=1"}},
		{"not delegated", cgroups.Facts{Mode: cgroups.Unified, Dir: "/sys/fs/cgroup/user.slice/u", Reason: "not writable"}, true,
			[]string{"cannot apply: not writable", "Delegate=cpu cpuset io memory pids"}},
		{"root", cgroups.Facts{Mode: cgroups.Unified, Dir: "/sys/fs/cgroup/a/b", Reason: "no controllers"}, false,
			[]string{"> /sys/fs/cgroup/a/cgroup.subtree_control"}},
		{"partial", cgroups.Facts{Mode: cgroups.Unified, Usable: true, Dir: "/d", Controller: map[string]bool{"memory": true, "pids": true}}, true,
			[]string{"--cpus (no cpu controller)", "--blkio-weight (no io controller)", "--cpuset-cpus (no cpuset controller)"}},
		{"all", cgroups.Facts{Mode: cgroups.Unified, Usable: true, Dir: "/d", Controller: all}, true, nil},
		// root on cgroup v1 makes the container's cgroups in the v1 hierarchies
		{"v1 root", cgroups.Facts{Mode: cgroups.Hybrid, Usable: true, Controller: v1}, false, nil},
		{"v1 root without blkio", cgroups.Facts{Mode: cgroups.Legacy, Usable: true, Controller: map[string]bool{"memory": true, "cpu": true, "cpuset": true, "pids": true}}, false,
			[]string{"in the cgroup v1 hierarchies: --blkio-weight (no blkio controller)"}},
	} {
		r := cgroupCheck(tc.facts, tc.rootless)
		if tc.want == nil {
			if len(r.Findings) != 0 {
				t.Errorf("%s: findings %v, want none", tc.name, r.Findings)
			}
			continue
		}
		if len(r.Findings) != 1 || r.Findings[0].Severity != hostcheck.Note {
			t.Errorf("%s: findings %v, want one note", tc.name, r.Findings)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Findings[0].String(), w) {
				t.Errorf("%s: %q lacks %q", tc.name, r.Findings[0], w)
			}
		}
	}
}
