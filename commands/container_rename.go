package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerRenameCommand() *cli.Command {
	return &cli.Command{
		Name:      "rename",
		Usage:     "Rename a container",
		ArgsUsage: "CONTAINER NEW_NAME",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, 2); err != nil {
				return err
			}
			return container.Rename(engineFrom(c), c.Args().Get(0), c.Args().Get(1))
		},
	}
}
