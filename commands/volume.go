package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/storage/volume"
)

// volumeCommand is the `volume` group.
func volumeCommand() *cli.Command {
	return &cli.Command{
		Name:  "volume",
		Usage: "Manage volumes",
		Subcommands: []*cli.Command{
			volumeCreateCommand(),
			volumeInspectCommand(),
			volumeLsCommand(),
			volumePruneCommand(),
			volumeRmCommand(),
		},
	}
}

// volumesFrom is the command's volume store.
func volumesFrom(c *cli.Context) *volume.Store { return container.VolumeStore(engineFrom(c)) }

// volumeUsers tells the store which containers use which volume.
func volumeUsers(c *cli.Context) volume.Users { return container.VolumeUsers(engineFrom(c)) }
