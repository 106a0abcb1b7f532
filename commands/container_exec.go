package commands

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerExecCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "exec",
		Usage:     "Execute a command in a running container",
		ArgsUsage: "CONTAINER COMMAND [ARG...]",
		Action: func(c *cli.Context) error {
			ref, cmd, err := containerAndArgs(c, 1, -1)
			if err != nil {
				return err
			}
			o := container.ExecOptions{
				Cmd: cmd, Env: c.StringSlice("env"), EnvFiles: c.StringSlice("env-file"),
				WorkingDir: c.String("workdir"), User: c.String("user"), Privileged: c.Bool("privileged"),
				Tty: c.Bool("tty"), Detach: c.Bool("detach"),
			}
			// a missing container is reported before a missing terminal,
			// as docker does
			if !o.Detach && o.Tty && c.Bool("interactive") && !stdinIsTerminal() {
				if _, err := container.Lookup(engineFrom(c), ref); err != nil {
					return execFailure(err)
				}
			}
			if err := checkTTYInput(c, c.Bool("interactive"), o.Tty, o.Detach, false); err != nil {
				return err
			}
			if !o.Detach {
				t, err := attachTerminal(c, c.Bool("interactive"), o.Tty, false)
				if err != nil {
					return err
				}
				defer t.restore()
				o.Stdin, o.Stdout, o.Stderr = t.options.Stdin, t.options.Stdout, t.options.Stderr
				o.DetachKeys, o.Size, o.Resize = t.options.DetachKeys, t.options.Size, t.options.Resize
			}
			code, err := container.Exec(c.Context, engineFrom(c), ref, o)
			if errors.Is(err, container.ErrDetached) {
				return nil
			}
			if err != nil {
				return execFailure(err)
			}
			return exitCode(code)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detached mode: run command in the background"},
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "override the key sequence for detaching a container"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment variables"},
			&cli.StringSliceFlag{Name: "env-file", Usage: "read in a file of environment variables"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep STDIN open even if not attached"},
			&cli.BoolFlag{Name: "privileged", Usage: "give extended privileges to the command"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "username or UID (format: <name|uid>[:<group|gid>])"},
			&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory inside the container"},
			latestFlag(),
		}
	})
}

// execFailure gives exec's own failures (a missing, stopped or paused
// container, a bad --env-file) the dialect's exit code: docker's CLI
// exits 1 for what its daemon refuses, podman 125. A command that cannot
// be found or run keeps 127 and 126.
func execFailure(err error) error {
	if errdefs.ExitCode(err) != errdefs.ExitSkiff {
		return err
	}
	return errdefs.WithExitCode(dialect.Current().ExecFailure, err)
}
