package container

import (
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// prepareKeepID checks that --userns=keep-id can work here.
func prepareKeepID(e *engine.Engine, o *CreateOptions) error {
	if !e.Rootless() {
		return errdefs.Invalid("--userns=keep-id is only for rootless skiff: as root, your ids already are the container's")
	}
	return errdefs.Invalid("--userns=keep-id is not implemented yet")
}
