package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/image"
)

func imageTagCommand() *cli.Command {
	return &cli.Command{
		Name:      "tag",
		Usage:     "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
		ArgsUsage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, 2); err != nil {
				return err
			}
			return image.Tag(engineFrom(c), c.Args().Get(0), c.Args().Get(1))
		},
	}
}
