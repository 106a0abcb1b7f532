package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/image"
)

func imageSaveCommand() *cli.Command {
	return &cli.Command{
		Name:      "save",
		Usage:     "Save one or more images to a tar archive (streamed to STDOUT by default)",
		ArgsUsage: "IMAGE [IMAGE...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "Write to a file, instead of STDOUT"},
			&cli.StringFlag{Name: "format", Value: image.FormatDockerArchive, Usage: "Archive format: docker-archive or oci-archive"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			out := c.String("output")
			if out == "" && isTerminal(c.App.Writer) {
				return errdefs.Invalid("cowardly refusing to save to a terminal. Use the -o flag or redirect")
			}
			return image.Save(c.Context, engineFrom(c), c.Args().Slice(), image.SaveOptions{
				Format: c.String("format"), Path: out, Output: c.App.Writer,
			})
		},
	}
}
