package container

import (
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/seccomp"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// SeccompFilter is the seccomp filter of a container's processes (nil:
// unconfined): the profile HostConfig.SecurityOpt names (docker's default
// without one; none with --privileged), resolved for the container's
// bounding capabilities and compiled once into the run root's cache.
// The init loads it for the container's process, the exec role for each
// exec, and build steps through the same init.
func SeccompFilter(e *engine.Engine, securityOpt []string, privileged bool, caps []string) (*seccomp.Filter, error) {
	profile, unconfined := spec.SeccompProfile(securityOpt, privileged)
	if unconfined {
		return nil, nil
	}
	return seccomp.Cached(e.RunDir("seccomp"), profile, caps)
}

// seccompFilter is SeccompFilter for c.
func (c *Container) seccompFilter() (*seccomp.Filter, error) {
	var caps []string
	if c.Spec != nil && c.Spec.Process != nil && c.Spec.Process.Capabilities != nil {
		caps = c.Spec.Process.Capabilities.Bounding
	}
	return SeccompFilter(c.e, c.HostConfig.SecurityOpt, c.HostConfig.Privileged, caps)
}
