package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerExportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "Export a container's filesystem as a tar archive",
		ArgsUsage: "CONTAINER",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "Write to a file, instead of STDOUT"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			if out := c.String("output"); out != "" {
				return container.ExportFile(engineFrom(c), c.Args().First(), out)
			}
			if isTerminal(c.App.Writer) {
				return errdefs.Invalid("cowardly refusing to save to a terminal. Use the -o flag or redirect")
			}
			return container.Export(engineFrom(c), c.Args().First(), c.App.Writer)
		},
	}
}
