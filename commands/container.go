package commands

import "github.com/urfave/cli/v2"

// containerCommand is the `container` group: docker's management command
// form of the container verbs.
func containerCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "container",
		Usage: "Manage containers",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{
			containerAttachCommand(),
			containerCommitCommand(),
			containerCpCommand(),
			containerCreateCommand(),
			containerDiffCommand(),
			containerExecCommand(),
			containerExistsCommand(),
			containerExportCommand(),
			containerInspectCommand(),
			containerKillCommand(),
			containerLogsCommand(),
			withRenamed(containerPsCommand(), "ls", "list", "ps"),
			containerPauseCommand(),
			containerPortCommand(),
			containerPruneCommand(),
			containerRenameCommand(),
			containerUpdateCommand(),
			containerRestartCommand(),
			containerRmCommand(),
			containerRunCommand(),
			containerStartCommand(),
			containerStatsCommand(),
			containerStopCommand(),
			containerTopCommand(),
			containerUnpauseCommand(),
			containerWaitCommand(),
		}
	})
}
