package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/runtime/events"
	"github.com/skiff-containers/skiff/storage/image"
)

func imagePullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "Download an image from a registry",
		ArgsUsage: "NAME[:TAG|@DIGEST]",
		Flags: []cli.Flag{
			contentTrustFlag(),
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Suppress verbose output"},
			&cli.StringFlag{Name: "platform", Usage: "Set platform if server is multi-platform capable", EnvVars: []string{"DOCKER_DEFAULT_PLATFORM"}},
			tlsVerifyFlag(),
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			name := c.Args().First()
			quiet := c.Bool("quiet")
			if raw, err := reference.ParseNormalizedNamed(name); err == nil && reference.IsNameOnly(raw) && !quiet {
				fmt.Fprintln(c.App.Writer, "Using default tag: latest")
			}
			s, err := storeFrom(c)
			if err != nil {
				return err
			}
			img, err := image.Pull(c.Context, s, sysFrom(c), name, image.PullOptions{
				Quiet: quiet, Progress: c.App.Writer, Platform: c.String("platform"),
			})
			if err != nil {
				return err
			}
			events.Record(engineFrom(c), events.Image, "pull", img.Named.String(), map[string]string{"name": img.Named.String()})
			fmt.Fprintln(c.App.Writer, img.Named.String())
			return nil
		},
	}
}
