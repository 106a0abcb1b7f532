package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/image"
)

func imageLoadCommand() *cli.Command {
	return &cli.Command{
		Name:  "load",
		Usage: "Load an image from a tar archive or STDIN",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "Read from tar archive file, instead of STDIN"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Suppress the load output"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			in := c.String("input")
			if in == "" && isTerminal(c.App.Reader) {
				return errdefs.Invalid("requested load from stdin, but stdin is empty: use -i FILE or redirect the archive")
			}
			opts := image.LoadOptions{Path: in, Input: c.App.Reader}
			if !c.Bool("quiet") {
				opts.Progress = c.App.Writer
			}
			rep, err := image.Load(c.Context, engineFrom(c), opts)
			if rep != nil {
				for _, n := range rep.Names {
					fmt.Fprintf(c.App.Writer, "Loaded image: %s\n", n)
				}
				for _, id := range rep.IDs {
					fmt.Fprintf(c.App.Writer, "Loaded image ID: %s\n", id)
				}
			}
			return err
		},
	}
}
