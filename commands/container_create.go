package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/pod"
)

func containerCreateCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "create",
		Usage:     "Create a new container",
		ArgsUsage: "IMAGE [COMMAND] [ARG...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			o, err := createOptionsFrom(c)
			if err != nil {
				return err
			}
			undo, err := pod.Member(c.Context, engineFrom(c), o)
			if err != nil {
				return err
			}
			ctr, err := container.Create(c.Context, engineFrom(c), *o)
			if err != nil {
				undo()
				return err
			}
			fmt.Fprintln(c.App.Writer, ctr.ID)
			return nil
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = withUsage(createFlags(), "pull", `pull image before creating ("always", "missing", "never")`)
	})
}
