package container

import (
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// prepareUserns checks --userns before anything is created.
func prepareUserns(e *engine.Engine, o *CreateOptions) error {
	switch o.Userns {
	case "", "host":
		return nil
	case "keep-id":
		return prepareKeepID(e, o)
	}
	return errdefs.Invalid("--userns=%s is not supported: use host (the default) or, rootless, keep-id", o.Userns)
}
