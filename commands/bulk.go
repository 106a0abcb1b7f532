package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// bulk runs fn for every argument of a bulk verb (`rmi a b c`): failures
// are printed to stderr as they happen ("Error: ..."), successes are fn's
// to print, and the command exits non-zero at the end if anything failed.
func bulk(c *cli.Context, args []string, fn func(arg string) error) error {
	failed := 0
	for _, a := range args {
		if err := fn(a); err != nil {
			failed++
			fmt.Fprintf(c.App.ErrWriter, "Error: %s\n", errdefs.Line(err.Error()))
		}
	}
	if failed > 0 {
		return &errdefs.ExitCodeError{Code: errdefs.ExitSkiff}
	}
	return nil
}
