package compose

import (
	"errors"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Exit codes of docker compose for failures of its own (its metrics
// categories, which it exits with).
const (
	ExitFailure      = 1   // any other failure
	ExitFileNotFound = 14  // no compose file
	ExitInvalidFile  = 15  // a compose file that does not parse or validate
	ExitCanceled     = 130 // interrupted
)

var (
	// ErrNoConfig is returned when no compose file is found.
	ErrNoConfig = errors.New("no configuration file provided: not found")
	// ErrNoSuchService names a service the project does not have.
	ErrNoSuchService = errors.New("no such service")
)

// fail gives err docker compose's generic exit code (1), unless it
// already carries a code.
func fail(err error) error {
	if err == nil || errdefs.ExitCode(err) != errdefs.ExitSkiff {
		return err
	}
	return errdefs.WithExitCode(ExitFailure, err)
}
