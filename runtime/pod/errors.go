package pod

import "github.com/skiff-containers/skiff/internal/errdefs"

// errNoSuchPod is the lookup failure, in podman's words.
func errNoSuchPod(ref string) error {
	return errdefs.NotFound("no pod with name or ID %s found: no such pod", ref)
}

// errNetShared refuses network flags on a container joining a pod that
// shares its network: they belong to the pod (podman's message).
func errNetShared(what string) error {
	return errdefs.Invalid("invalid config provided: %s must be defined when the pod is created: network cannot be configured when it is shared with a pod", what)
}
