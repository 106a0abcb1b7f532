package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerPauseCommand() *cli.Command {
	return &cli.Command{
		Name:      "pause",
		Usage:     "Pause all processes within one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			return eachContainer(c, func(ref string) error {
				return container.Pause(engineFrom(c), ref)
			})
		},
	}
}

func containerUnpauseCommand() *cli.Command {
	return &cli.Command{
		Name:      "unpause",
		Usage:     "Unpause all processes within one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			return eachContainer(c, func(ref string) error {
				return container.Unpause(engineFrom(c), ref)
			})
		},
	}
}
