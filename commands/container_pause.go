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
		Flags:     []cli.Flag{allFlag("pause all running containers", true), filterFlag("pause", true), latestFlag()},
		Action: func(c *cli.Context) error {
			return eachContainer(c, false, func(ref string) error {
				return container.Pause(engineFrom(c), ref)
			}, container.StatusRunning)
		},
	}
}

func containerUnpauseCommand() *cli.Command {
	return &cli.Command{
		Name:      "unpause",
		Usage:     "Unpause all processes within one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:     []cli.Flag{allFlag("unpause all paused containers", true), filterFlag("unpause", true), latestFlag()},
		Action: func(c *cli.Context) error {
			return eachContainer(c, false, func(ref string) error {
				return container.Unpause(engineFrom(c), ref)
			}, container.StatusPaused)
		},
	}
}
