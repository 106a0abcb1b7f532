package container

import (
	"errors"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

func invalidf(format string, args ...any) error { return errdefs.Invalid(format, args...) }

// errRestarting refuses what needs the container's process (pause, exec,
// attach, top) while its restart policy waits to start it again, in
// docker's words.
func errRestarting(c *Container) error {
	return errdefs.Conflict("Container %s is restarting, wait until the container is running", c.ID)
}

// errRestartCancelled is a policy restart that a user stop, a start by
// hand or a removal overtook (start).
var errRestartCancelled = errors.New("the restart was cancelled")

// errNotRestored is a restore's start that found the container's
// policy no longer asking for it under the lock (Restore).
var errNotRestored = errors.New("the restart policy does not start the container at a restore")

// errUnchanged makes Locked leave the state as it was (recordExit).
var errUnchanged = errors.New("state unchanged")
