package commands

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerStartCommand() *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "Start one or more stopped containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "attach", Aliases: []string{"a"}, Usage: "attach STDOUT/STDERR and forward signals"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "attach container's STDIN"},
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "override the key sequence for detaching a container"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			attached := c.Bool("attach") || c.Bool("interactive")
			if attached && c.NArg() > 1 {
				return usageErr(c, "you cannot start and attach multiple containers at once")
			}
			e := engineFrom(c)
			if !attached {
				return eachContainer(c, func(ref string) error {
					_, _, err := container.Start(c.Context, e, ref, nil)
					if errors.Is(err, container.ErrAlreadyRunning) {
						err = nil
					}
					return err
				})
			}
			ctr, err := container.Lookup(e, c.Args().First())
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
	}
}

// eachContainer runs fn for every argument, printing each argument that
// succeeded on stdout and each failure on stderr, as docker's bulk verbs
// do; the result is an error when any failed.
func eachContainer(c *cli.Context, fn func(ref string) error) error {
	var failed error
	for _, ref := range c.Args().Slice() {
		if err := fn(ref); err != nil {
			printErr(c, err)
			failed = errBulk
			continue
		}
		printOut(c, ref)
	}
	return failed
}

// errBulk reports, with docker's exit code 1, that a bulk verb failed for
// some arguments; each failure is already printed.
var errBulk = &errdefs.ExitCodeError{Code: 1}
