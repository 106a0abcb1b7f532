package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/network"
)

func networkInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "Display detailed information on one or more networks",
		ArgsUsage: "NETWORK [NETWORK...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Format output using a custom template: 'json' or a Go template"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "Verbose output for diagnostics (same output as without)"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			return inspectObjects(c, c.Args().Slice(), func(name string) (any, error) {
				return inspectNetwork(c, name)
			})
		},
	}
}

// inspectNetwork is network inspect's object for name.
func inspectNetwork(c *cli.Context, name string) (any, error) {
	e := engineFrom(c)
	return network.Inspect(e, name, network.InspectOptions{Users: container.NetworkUsers(e)})
}
