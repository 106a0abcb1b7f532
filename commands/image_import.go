package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/image"
)

func imageImportCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "Import the contents from a tarball to create a filesystem image",
		ArgsUsage: "file|URL|- [REPOSITORY[:TAG]]",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "change", Aliases: []string{"c"}, Usage: "Apply Dockerfile instruction to the created image"},
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "Set commit message for imported image"},
			&cli.StringFlag{Name: "platform", Usage: "Set platform if server is multi-platform capable"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 2); err != nil {
				return err
			}
			img, err := image.Import(c.Context, engineFrom(c), image.ImportOptions{
				Source: c.Args().Get(0), Stdin: c.App.Reader, Reference: c.Args().Get(1),
				Changes: c.StringSlice("change"), Message: c.String("message"), Platform: c.String("platform"),
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "sha256:"+img.ID)
			return nil
		},
	}
}
