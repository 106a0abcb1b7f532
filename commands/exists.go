package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/network"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// Podman's `container|image|volume|network exists NAME`: exit 0 when the
// object exists, 1 when it does not, nothing printed (podman-container-
// exists(1) and its siblings); any other failure is 125.

// errAbsent is exists's answer "no": exit 1, no message.
var errAbsent = &errdefs.ExitCodeError{Code: 1}

// existsCommand builds one kind's exists; find looks the name up and
// returns an errdefs.ErrNotFound error when there is no such object.
func existsCommand(kind string, flags []cli.Flag, find func(c *cli.Context, name string) error) *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "Check if a " + kind + " exists (exit 0 if it does, 1 if not)",
		ArgsUsage: kind,
		Flags:     flags,
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			err := find(c, c.Args().First())
			if errdefs.IsNotFound(err) {
				return errAbsent
			}
			return err
		},
	}
}

func containerExistsCommand() *cli.Command {
	external := &cli.BoolFlag{Name: "external", Usage: "also find containers of the store skiff did not create (a build's, another tool's)"}
	return existsCommand("CONTAINER", []cli.Flag{external}, func(c *cli.Context, name string) error {
		_, err := container.Lookup(engineFrom(c), name)
		if errdefs.IsNotFound(err) && c.Bool("external") {
			if found, ferr := container.InStore(engineFrom(c), name); ferr != nil || found {
				return ferr
			}
		}
		return err
	})
}

func imageExistsCommand() *cli.Command {
	return existsCommand("IMAGE", nil, func(c *cli.Context, name string) error {
		_, err := image.Lookup(c.Context, engineFrom(c), name)
		return err
	})
}

func volumeExistsCommand() *cli.Command {
	return existsCommand("VOLUME", nil, func(c *cli.Context, name string) error {
		_, err := volume.Inspect(engineFrom(c), name)
		return err
	})
}

func networkExistsCommand() *cli.Command {
	return existsCommand("NETWORK", nil, func(c *cli.Context, name string) error {
		_, err := network.Lookup(engineFrom(c), name)
		return err
	})
}
