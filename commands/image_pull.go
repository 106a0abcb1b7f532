package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/runtime/image"
)

func imagePullCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "pull",
		Usage:     "Download an image from a registry",
		ArgsUsage: "NAME[:TAG|@DIGEST]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			name := c.Args().First()
			quiet := c.Bool("quiet")
			e := engineFrom(c)
			o := image.PullOptions{Quiet: quiet, Progress: c.App.Writer, Platform: c.String("platform"), TLSVerify: tlsVerify(c)}
			if c.Bool("all-tags") {
				repo, err := image.PullAllTags(c.Context, e, name, o)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, repo)
				return nil
			}
			if raw, err := reference.ParseNormalizedNamed(name); err == nil && reference.IsNameOnly(raw) && !quiet {
				fmt.Fprintln(c.App.Writer, "Using default tag: latest")
			}
			img, err := image.Pull(c.Context, e, name, o)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, img.Named.String())
			return nil
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			contentTrustFlag(),
			&cli.BoolFlag{Name: "all-tags", Aliases: []string{"a"}, Usage: "Download all tagged images in the repository"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Suppress verbose output"},
			&cli.StringFlag{Name: "platform", Usage: "Set platform if server is multi-platform capable", EnvVars: []string{"DOCKER_DEFAULT_PLATFORM"}},
			tlsVerifyFlag(),
		}
	})
}
