package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/volume"
)

func volumeInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "Display detailed information on one or more volumes",
		ArgsUsage: "VOLUME [VOLUME...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Format output using a custom template: 'json' or a Go template"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			return inspectObjects(c, c.Args().Slice(), func(name string) (any, error) {
				return volume.Inspect(engineFrom(c), name)
			})
		},
	}
}
