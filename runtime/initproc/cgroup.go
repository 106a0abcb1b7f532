package initproc

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/runtime/cgroups"
)

// joinCgroup moves the init into the spec's cgroup, when it names one,
// before anything of the container runs, so every process of the
// container is born in it.
func joinCgroup(s *specs.Spec) error {
	if s.Linux == nil || s.Linux.CgroupsPath == "" {
		return nil
	}
	if err := cgroups.Join(s.Linux.CgroupsPath); err != nil {
		return fmt.Errorf("joining the container's cgroup: %w", err)
	}
	return nil
}
