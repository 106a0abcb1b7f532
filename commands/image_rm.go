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
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "Remove all images"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "Ignore errors if a specified image does not exist"},
		},
		Action: func(c *cli.Context) error {
			names, err := imagesToRemove(c)
			if err != nil {
				return err
			}
			opts := image.RemoveOptions{Force: c.Bool("force"), AllNames: c.Bool("all")}
			return bulk(c, names, func(name string) error {
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

// imagesToRemove are rmi's arguments, or with --all the ID of every image.
func imagesToRemove(c *cli.Context) ([]string, error) {
	return argsOrAll(c, "image", func() ([]string, error) {
		list, err := image.List(c.Context, engineFrom(c), image.ListOptions{All: true})
		ids := make([]string, len(list))
		for i, img := range list {
			ids[i] = img.ID
		}
		return ids, err
	})
}
