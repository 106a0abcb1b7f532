package commands

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// stopFlags are stop's and restart's flags.
func stopFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "time", Aliases: []string{"t", "timeout"}, Usage: "seconds to wait before killing the container", DefaultText: "the container's --stop-timeout, else 10"},
		&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Usage: "signal to send to the container"},
	}
}

func stopOptionsFrom(c *cli.Context) (container.StopOptions, error) {
	var o container.StopOptions
	if c.IsSet("time") {
		t := time.Duration(c.Int("time")) * time.Second
		o.Timeout = &t
	}
	if c.IsSet("signal") {
		sig, err := spec.ParseSignal(c.String("signal"))
		if err != nil {
			return o, err
		}
		o.Signal = sig
	}
	return o, nil
}

func containerStopCommand() *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "Stop one or more running containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:     stopFlags(),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			o, err := stopOptionsFrom(c)
			if err != nil {
				return err
			}
			return eachContainer(c, func(ref string) error {
				return container.Stop(c.Context, engineFrom(c), ref, o)
			})
		},
	}
}

func containerRestartCommand() *cli.Command {
	return &cli.Command{
		Name:      "restart",
		Usage:     "Restart one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:     stopFlags(),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			o, err := stopOptionsFrom(c)
			if err != nil {
				return err
			}
			return eachContainer(c, func(ref string) error {
				return container.Restart(c.Context, engineFrom(c), ref, o)
			})
		},
	}
}

func containerKillCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "Kill one or more running containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "signal to send to the container"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			sig, err := spec.ParseSignal(c.String("signal"))
			if err != nil {
				return err
			}
			return eachContainer(c, func(ref string) error {
				return container.Kill(engineFrom(c), ref, sig)
			})
		},
	}
}

func containerRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "Remove one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "force the removal of a running container (uses SIGKILL)"},
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "remove anonymous volumes associated with the container"},
			&cli.BoolFlag{Name: "link", Aliases: []string{"l"}, Usage: "remove the specified link (/CONTAINER/ALIAS), not a container"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			if c.Bool("link") {
				return eachContainer(c, func(ref string) error {
					return container.RemoveLink(engineFrom(c), ref)
				})
			}
			o := container.RemoveOptions{Force: c.Bool("force"), Volumes: c.Bool("volumes")}
			return eachContainer(c, func(ref string) error {
				return container.Remove(engineFrom(c), ref, o)
			})
		},
	}
}

func containerWaitCommand() *cli.Command {
	return &cli.Command{
		Name:      "wait",
		Usage:     "Block until one or more containers stop, then print their exit codes",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			var failed error
			for _, ref := range c.Args().Slice() {
				code, err := container.Wait(c.Context, engineFrom(c), ref)
				if err != nil {
					printErr(c, err)
					failed = errBulk
					continue
				}
				printOut(c, code)
			}
			return failed
		},
	}
}
