package commands

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/moby/term"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/compose"
)

// composeCommand is `compose` (docker compose; also argv[0]
// docker-compose, see Run).
func composeCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "compose",
		Usage: "Define and run multi-container applications",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "file", Aliases: []string{"f"}, Usage: "compose configuration `FILE`s (\"-\" reads standard input)"},
			&cli.StringFlag{Name: "project-name", Aliases: []string{"p"}, Usage: "project `NAME`"},
			&cli.StringFlag{Name: "project-directory", Usage: "alternate working `DIR` (default: the first file's directory)"},
			&cli.StringSliceFlag{Name: "env-file", Usage: "alternate environment `FILE`s"},
			&cli.StringSliceFlag{Name: "profile", Usage: "a `PROFILE` to enable"},
			&cli.StringFlag{Name: "ansi", Value: "auto", Usage: "control when to print ANSI control characters (never, always, auto)"},
			&cli.StringFlag{Name: "progress", Value: "auto", Usage: "progress output type (auto, tty, plain, json, quiet)"},
			&cli.IntFlag{Name: "parallel", Value: -1, Usage: "accepted for docker compose's sake: skiff starts independent services at once"},
			// docker compose's hidden flag, kept for docker-compose v1's
			// scripts: `docker-compose --version` (-v)
			&cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Hidden: true, Usage: "show the Docker Compose version information"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") && c.NArg() == 0 {
				fmt.Fprintf(c.App.Writer, "Docker Compose version v%s\n", compose.Version)
				return nil
			}
			return unknownSubcommand(c)
		},
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{
			composeUpCommand(), composeDownCommand(), composeCreateCommand(), composePsCommand(),
			composeLogsCommand(), composeStartCommand(), composeStopCommand(), composeRestartCommand(),
			composeKillCommand(), composeRmCommand(), composePauseCommand(), composeUnpauseCommand(),
			composeExecCommand(), composeRunCommand(), composeConfigCommand(), composeBuildCommand(),
			composePullCommand(), composePushCommand(), composeImagesCommand(), composePortCommand(),
			composeTopCommand(), composeLsCommand(), composeWaitCommand(), composeCpCommand(),
			composeEventsCommand(), composeVersionCommand(), composeWatchCommand(),
		}
	})
}

// loadProject reads the project the global compose flags name. The
// commands on what exists (ps, down, stop, logs, ...: existing) read no
// more of the files than the project's and services' names, and also
// work with -p and no file.
func loadProject(c *cli.Context, existing bool) (*compose.Project, error) {
	p, err := compose.Load(c.Context, compose.LoadOptions{
		Files: c.StringSlice("file"), ProjectName: c.String("project-name"),
		ProjectDirectory: c.String("project-directory"), EnvFiles: c.StringSlice("env-file"),
		Profiles: c.StringSlice("profile"), Existing: existing,
	})
	if err != nil {
		return nil, err
	}
	p.WithFilesDir(engineFrom(c).StateDir("compose", p.Name))
	return p, nil
}

// composeProgress is where progress lines go: stderr unless
// --progress quiet.
func composeProgress(c *cli.Context) io.Writer {
	if c.String("progress") == "quiet" {
		return io.Discard
	}
	return c.App.ErrWriter
}

// composeColor says whether log prefixes are coloured: --ansi, else
// whether stdout is a terminal.
func composeColor(c *cli.Context, noColor bool) bool {
	switch c.String("ansi") {
	case "never":
		return false
	case "always":
		return !noColor
	}
	_, isTerm := term.GetFdInfo(os.Stdout)
	return isTerm && !noColor && os.Getenv("NO_COLOR") == ""
}

// timeoutFlag is -t/--timeout of the verbs that stop containers.
func timeoutFlag() cli.Flag {
	return &cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Usage: "shutdown timeout in seconds"}
}

func timeoutFrom(c *cli.Context) *time.Duration {
	if !c.IsSet("timeout") {
		return nil
	}
	t := time.Duration(c.Int("timeout")) * time.Second
	return &t
}

// stdinIsTerminal says whether exec and run allocate a TTY by default.
func stdinIsTerminal() bool {
	_, t := term.GetFdInfo(os.Stdin)
	return t
}
