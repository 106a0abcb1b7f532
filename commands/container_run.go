package commands

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/pod"
)

func containerRunCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "run",
		Usage:     "Create and run a new container from an image",
		ArgsUsage: "IMAGE [COMMAND] [ARG...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			o, err := createOptionsFrom(c)
			if err != nil {
				return err
			}
			if err := checkTTYInput(c, c.Bool("interactive") || o.Streams.Stdin, o.Spec.Tty, o.Detach, true); err != nil {
				return err
			}
			var a *container.AttachOptions
			if !o.Detach {
				t, err := attachTerminal(c, o.Streams.Stdin, o.Spec.Tty, c.Bool("sig-proxy"))
				if err != nil {
					return err
				}
				defer t.restore()
				a = t.options
				if !o.Streams.Stdout {
					a.Stdout = nil
				}
				if !o.Streams.Stderr {
					a.Stderr = nil
				}
			}
			undo, err := pod.Member(c.Context, engineFrom(c), o)
			if err != nil {
				return err
			}
			ctr, code, err := container.Run(c.Context, engineFrom(c), *o, a)
			if ctr == nil && err != nil {
				undo() // a pod made for it (--pod new:) goes too
			}
			if err != nil {
				if errors.Is(err, container.ErrDetached) {
					return nil
				}
				return err
			}
			if o.Detach {
				fmt.Fprintln(c.App.Writer, ctr.ID)
				return nil
			}
			return exitCode(code)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = append(createFlags(),
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run container in background and print container ID"},
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "override the key sequence for detaching a container"},
			&cli.BoolFlag{Name: "sig-proxy", Value: true, Usage: "proxy received signals to the process (non-TTY mode only)"},
			&cli.IntFlag{Name: "preserve-fds", Usage: "pass N more descriptors (3 to 3+N-1) to the container's process"},
		)
	})
}

// exitCode passes a container's exit code on as skiff's.
func exitCode(code int) error {
	if code != 0 {
		return &errdefs.ExitCodeError{Code: code}
	}
	return nil
}
