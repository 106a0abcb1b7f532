package commands

import "github.com/urfave/cli/v2"

// topCommands lists every top-level command, explicitly.
func topCommands() []*cli.Command {
	return []*cli.Command{
		containerRunCommand(),
		containerCreateCommand(),
		containerStartCommand(),
		containerStopCommand(),
		containerRestartCommand(),
		containerKillCommand(),
		containerRmCommand(),
		containerWaitCommand(),
		containerExecCommand(),
		containerAttachCommand(),
		containerStatsCommand(),
		containerPsCommand(),
		containerLogsCommand(),
		containerRenameCommand(),
		containerTopCommand(),
		containerCommand(),
		versionCommand(),
		infoCommand(),
		systemCommand(),
		unshareCommand(),
		imageCommand(),
		withRenamed(imageLsCommand(), "images"),
		withRenamed(imagePullCommand(), "pull"),
		withRenamed(imagePushCommand(), "push"),
		withRenamed(imageTagCommand(), "tag"),
		withRenamed(imageRmCommand(), "rmi"),
		withRenamed(imageHistoryCommand(), "history"),
		withRenamed(imageSaveCommand(), "save"),
		withRenamed(imageLoadCommand(), "load"),
		withRenamed(imageImportCommand(), "import"),
		inspectCommand(),
		volumeCommand(),
		containerCpCommand(),
		containerDiffCommand(),
		containerExportCommand(),
		containerCommitCommand(),
		containerPauseCommand(),
		containerUnpauseCommand(),
		loginCommand(),
		logoutCommand(),
	}
}
