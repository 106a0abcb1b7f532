package commands

import "github.com/urfave/cli/v2"

// volumeCommand is the `volume` group.
func volumeCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "volume",
		Usage: "Manage volumes",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{
			volumeCreateCommand(),
			volumeExistsCommand(),
			volumeInspectCommand(),
			volumeLsCommand(),
			volumePruneCommand(),
			volumeRmCommand(),
		}
	})
}
