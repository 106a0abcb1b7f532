package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerUpdateCommand() *cli.Command {
	return &cli.Command{
		Name:      "update",
		Usage:     "Update configuration of one or more containers (resource limits, restart policy)",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: append(updateResourceFlags(),
			&cli.StringFlag{Name: "restart", Usage: "restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])"},
		),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			o := container.UpdateOptions{Warnings: c.App.ErrWriter}
			if c.IsSet("restart") {
				p, err := container.ParseRestartPolicy(c.String("restart"))
				if err != nil {
					return err
				}
				o.RestartPolicy = &p
			}
			if anySet(c, updateResourceFlags()) {
				r, err := resourcesFrom(c)
				if err != nil {
					return err
				}
				o.Resources = &r
			}
			if o.RestartPolicy == nil && o.Resources == nil {
				return errdefs.Invalid("you must provide one or more flags when using this command")
			}
			return eachContainer(c, func(ref string) error {
				return container.Update(engineFrom(c), ref, o)
			})
		},
	}
}

// anySet reports whether one of flags was given.
func anySet(c *cli.Context, flags []cli.Flag) bool {
	for _, f := range flags {
		if c.IsSet(f.Names()[0]) {
			return true
		}
	}
	return false
}
