package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// argsOrAll are a removal verb's arguments (at least one), or with --all
// (podman's) what all lists; names and --all exclude each other.
func argsOrAll(c *cli.Context, kind string, all func() ([]string, error)) ([]string, error) {
	if !c.Bool("all") {
		return c.Args().Slice(), needArgs(c, 1, -1)
	}
	if c.NArg() > 0 {
		return nil, usageErr(c, "takes no %s names with --all", kind)
	}
	return all()
}

// bulk runs fn for every argument of a removal verb (`rmi a b c`):
// failures are printed to stderr as they happen ("Error: ..."), successes
// are fn's to print, and the command exits non-zero at the end if
// anything failed (errdefs.BulkExitCode: 125 in docker's dialect, 1 or 2
// for missing or used objects in podman's). With --ignore an object that
// does not exist is no failure.
func bulk(c *cli.Context, args []string, fn func(arg string) error) error {
	var errs []error
	for _, a := range args {
		if err := fn(a); err != nil {
			if c.Bool("ignore") && errdefs.IsNotFound(err) {
				continue
			}
			errs = append(errs, err)
			fmt.Fprintf(c.App.ErrWriter, "Error: %s\n", errdefs.Line(err.Error()))
		}
	}
	return bulkFailure(errs, true, errdefs.ExitSkiff)
}
