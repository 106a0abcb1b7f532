package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/image"
)

func imagePushCommand() *cli.Command {
	return &cli.Command{
		Name:      "push",
		Usage:     "Upload an image to a registry",
		ArgsUsage: "NAME[:TAG]",
		Flags: withUsage([]cli.Flag{
			contentTrustFlag(),
			&cli.BoolFlag{Name: "all-tags", Aliases: []string{"a"}, Usage: "Push all tags of an image to the repository"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Suppress verbose output"},
			tlsVerifyFlag(),
		}, "disable-content-trust", "skip image signing (skiff signs no images: must stay true)"),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			_, err := image.Push(c.Context, engineFrom(c), c.Args().First(), image.PushOptions{
				Quiet: c.Bool("quiet"), Progress: c.App.Writer, AllTags: c.Bool("all-tags"), TLSVerify: tlsVerify(c),
			})
			return err
		},
	}
}
