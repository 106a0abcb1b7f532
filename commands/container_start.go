package commands

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerStartCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "start",
		Usage:     "Start one or more stopped containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			e := engineFrom(c)
			attached := c.Bool("attach") || c.Bool("interactive")
			if !attached {
				return eachContainer(c, false, func(ref string) error {
					_, _, err := container.Start(c.Context, e, ref, nil)
					if errors.Is(err, container.ErrAlreadyRunning) {
						err = nil
					}
					return err
				})
			}
			refs, err := targets(c)
			if err != nil {
				return err
			}
			if len(refs) != 1 {
				return usageErr(c, "you cannot start and attach multiple containers at once")
			}
			ctr, err := container.Lookup(e, refs[0])
			if err != nil {
				return err
			}
			t, err := attachTerminal(c, c.Bool("interactive") && ctr.Config.OpenStdin, ctr.Config.Tty, true)
			if err != nil {
				return err
			}
			defer t.restore()
			_, code, err := container.Start(c.Context, e, ctr.ID, t.options)
			if errors.Is(err, container.ErrAlreadyRunning) {
				code, err = container.Attach(c.Context, e, ctr.ID, t.options)
			}
			if errors.Is(err, container.ErrDetached) {
				return nil
			}
			if err != nil {
				return err
			}
			return exitCode(code)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "attach", Aliases: []string{"a"}, Usage: "attach STDOUT/STDERR and forward signals"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "attach container's STDIN"},
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "override the key sequence for detaching a container"},
			allFlag("start all containers regardless of their state", false), filterFlag("start", true), latestFlag(),
		}
	})
}
