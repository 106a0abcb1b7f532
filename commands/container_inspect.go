package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "Display detailed information on one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Format output using a custom template: 'json' or a Go template"},
			&cli.BoolFlag{Name: "size", Aliases: []string{"s"}, Usage: "Display total file sizes"},
			latestFlag(),
		},
		Action: func(c *cli.Context) error {
			names, err := targets(c)
			if err != nil {
				return err
			}
			return inspectObjects(c, names, func(name string) (any, error) {
				return inspectContainer(c, name, c.Bool("size"))
			})
		},
	}
}

// inspectContainer returns docker's inspect object of container name, or
// an errdefs.ErrNotFound error.
func inspectContainer(c *cli.Context, name string, size bool) (any, error) {
	d, err := container.Inspect(engineFrom(c), name, size)
	if err != nil {
		return nil, err
	}
	return d, nil
}
