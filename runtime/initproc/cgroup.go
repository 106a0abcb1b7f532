package initproc

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/cgroups"
)

// joinCgroup moves the init into the container's cgroup, when it has
// one, before anything of the container runs, so every process of the
// container is born in it; then it makes the cgroup namespace, whose root
// is the cgroup the creator is in: the container sees its own cgroup as
// "/" (/proc/self/cgroup, a cgroup2 mount), as with docker.
func joinCgroup(cfg *Config) error {
	for _, dir := range cfg.Cgroups {
		if err := cgroups.Join(dir); err != nil {
			return fmt.Errorf("joining the container's cgroup %s: %w", dir, err)
		}
	}
	if cfg.UnshareCgroupNS {
		// The locked thread does the rest of the init and execs: the
		// namespace is that thread's, which is what the process keeps.
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("creating the container's cgroup namespace: %w", err)
		}
	}
	return nil
}
