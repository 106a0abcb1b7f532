package commands

import "github.com/urfave/cli/v2"

// networkCommand is the `network` group.
func networkCommand() *cli.Command {
	return &cli.Command{
		Name:  "network",
		Usage: "Manage networks",
		Subcommands: []*cli.Command{
			networkConnectCommand(),
			networkCreateCommand(),
			networkExistsCommand(),
			networkDisconnectCommand(),
			networkInspectCommand(),
			networkLsCommand(),
			networkPruneCommand(),
			networkRmCommand(),
		},
	}
}
