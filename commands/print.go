package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// printOut prints a result line on stdout.
func printOut(c *cli.Context, v ...any) { fmt.Fprintln(c.App.Writer, v...) }

// printErr prints one failure of a bulk verb on stderr.
func printErr(c *cli.Context, err error) {
	fmt.Fprintf(c.App.ErrWriter, "Error: %s\n", errdefs.Line(err.Error()))
}
