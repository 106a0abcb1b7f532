package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/image"
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
			opts := image.RemoveOptions{Force: c.Bool("force")}
			return bulk(c, c.Args().Slice(), func(name string) error {
				rep, err := image.Remove(c.Context, engineFrom(c), name, opts)
				if rep != nil {
					for _, u := range rep.Untagged {
						fmt.Fprintf(c.App.Writer, "Untagged: %s\n", u)
					}
					for _, d := range rep.Deleted {
						fmt.Fprintf(c.App.Writer, "Deleted: %s\n", d)
					}
				}
				return err
			})
		},
	}
}
