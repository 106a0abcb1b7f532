package commands

import "github.com/urfave/cli/v2"

// volumeCommand is the `volume` group.
func volumeCommand() *cli.Command {
	return &cli.Command{
		Name:  "volume",
		Usage: "Manage volumes",
		Subcommands: []*cli.Command{
			volumeCreateCommand(),
			volumeExistsCommand(),
			volumeInspectCommand(),
			volumeLsCommand(),
			volumePruneCommand(),
			volumeRmCommand(),
		},
	}
}
