package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/events"
	"github.com/skiff-containers/skiff/storage/image"
)

func imageRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "Remove one or more images",
		ArgsUsage: "IMAGE [IMAGE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Force removal of the image"},
			&cli.BoolFlag{Name: "no-prune", Usage: "Do not delete untagged parents (skiff keeps no parent images)"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			s, err := storeFrom(c)
			if err != nil {
				return err
			}
			opts := image.RemoveOptions{Force: c.Bool("force")}
			return bulk(c, c.Args().Slice(), func(name string) error {
				rep, err := image.Remove(c.Context, s, name, opts)
				if rep != nil {
					for _, u := range rep.Untagged {
						fmt.Fprintf(c.App.Writer, "Untagged: %s\n", u)
						events.Record(engineFrom(c), events.Image, "untag", name, map[string]string{"name": u})
					}
					for _, d := range rep.Deleted {
						fmt.Fprintf(c.App.Writer, "Deleted: %s\n", d)
						events.Record(engineFrom(c), events.Image, "delete", d, map[string]string{"name": name})
					}
				}
				return err
			})
		},
	}
}
