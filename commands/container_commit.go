package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerCommitCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "commit",
		Usage:     "Create a new image from a container's changes",
		ArgsUsage: "CONTAINER [REPOSITORY[:TAG]]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 2); err != nil {
				return err
			}
			img, err := container.Commit(c.Context, engineFrom(c), c.Args().First(), container.CommitOptions{
				Reference: c.Args().Get(1), Changes: c.StringSlice("change"),
				Author: c.String("author"), Message: c.String("message"),
				Pause: c.Bool("pause"), PauseRequired: c.IsSet("pause") && c.Bool("pause"),
			})
			if err != nil {
				return err
			}
			if c.Bool("quiet") {
				printOut(c, img.ID) // podman's -q: the bare ID
				return nil
			}
			printOut(c, "sha256:"+img.ID)
			return nil
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.StringFlag{Name: "author", Aliases: []string{"a"}, Usage: `Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`},
			&cli.StringSliceFlag{Name: "change", Aliases: []string{"c"}, Usage: "Apply Dockerfile instruction to the created image"},
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "Commit message"},
			&cli.BoolFlag{Name: "pause", Aliases: []string{"p"}, Value: true, Usage: "Pause container during commit (where skiff can freeze containers)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Suppress output: print only the image's ID"},
		}
	})
}
