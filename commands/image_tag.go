package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/events"
	"github.com/skiff-containers/skiff/storage/image"
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
			s, err := storeFrom(c)
			if err != nil {
				return err
			}
			if err := image.Tag(s, c.Args().Get(0), c.Args().Get(1)); err != nil {
				return err
			}
			events.Record(engineFrom(c), events.Image, "tag", c.Args().Get(0), map[string]string{"name": c.Args().Get(1)})
			return nil
		},
	}
}
