package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerUpdateCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "update",
		Usage:     "Update configuration of one or more containers (resource limits, restart policy)",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			o, err := container.ParseUpdateFlags(optionFlags(c))
			if err != nil {
				return err
			}
			o.Warnings = c.App.ErrWriter
			return eachContainer(c, false, func(ref string) error {
				return container.Update(engineFrom(c), ref, o)
			})
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = append(updateResourceFlags(),
			&cli.StringFlag{Name: "restart", Usage: "restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])"},
		)
	})
}
