package commands

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerAttachCommand() *cli.Command {
	return &cli.Command{
		Name:      "attach",
		Usage:     "Attach local standard input, output, and error streams to a running container",
		ArgsUsage: "CONTAINER",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "override the key sequence for detaching a container"},
			&cli.BoolFlag{Name: "no-stdin", Usage: "do not attach STDIN"},
			&cli.BoolFlag{Name: "sig-proxy", Value: true, Usage: "proxy all received signals to the process"},
			latestFlag(),
		},
		Action: func(c *cli.Context) error {
			ref, _, err := containerAndArgs(c, 0, 0)
			if err != nil {
				return err
			}
			e := engineFrom(c)
			ctr, err := container.Lookup(e, ref)
			if err != nil {
				return err
			}
			stdin := ctr.Config.OpenStdin && !c.Bool("no-stdin")
			t, err := attachTerminal(c, stdin, ctr.Config.Tty, c.Bool("sig-proxy"))
			if err != nil {
				return err
			}
			defer t.restore()
			code, err := container.Attach(c.Context, e, ctr.ID, t.options)
			if errors.Is(err, container.ErrDetached) {
				return nil
			}
			if err != nil {
				return err
			}
			return exitCode(code)
		},
	}
}
