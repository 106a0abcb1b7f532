package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerUpdateCommand() *cli.Command {
	return &cli.Command{
		Name:      "update",
		Usage:     "Update configuration of one or more containers (the restart policy; resource limits are not supported yet)",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "restart", Usage: "restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			var o container.UpdateOptions
			if c.IsSet("restart") {
				p, err := container.ParseRestartPolicy(c.String("restart"))
				if err != nil {
					return err
				}
				o.RestartPolicy = &p
			}
			if o.RestartPolicy == nil {
				return errdefs.Invalid("you must provide one or more flags when using this command")
			}
			return eachContainer(c, func(ref string) error {
				return container.Update(engineFrom(c), ref, o)
			})
		},
	}
}
