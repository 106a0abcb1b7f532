package commands

import "github.com/urfave/cli/v2"

// networkCommand is the `network` group.
func networkCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "network",
		Usage: "Manage networks",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{
			networkConnectCommand(),
			networkCreateCommand(),
			networkExistsCommand(),
			networkDisconnectCommand(),
			networkInspectCommand(),
			networkLsCommand(),
			networkPruneCommand(),
			networkRmCommand(),
		}
	})
}
