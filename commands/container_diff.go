package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerDiffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "Inspect changes to files or directories on a container's filesystem",
		ArgsUsage: "CONTAINER",
		Flags:     []cli.Flag{latestFlag()},
		Action: func(c *cli.Context) error {
			ref, _, err := containerAndArgs(c, 0, 0)
			if err != nil {
				return err
			}
			changes, err := container.Diff(engineFrom(c), ref)
			if err != nil {
				return err
			}
			for _, ch := range changes {
				printOut(c, ch.String())
			}
			return nil
		},
	}
}
