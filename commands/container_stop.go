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
	return deferred(&cli.Command{
		Name:      "stop",
		Usage:     "Stop one or more running containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			o, err := stopOptionsFrom(c)
			if err != nil {
				return err
			}
			return eachContainer(c, false, func(ref string) error {
				return container.Stop(c.Context, engineFrom(c), ref, o)
			}, container.StatusRunning, container.StatusRestarting)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = append(stopFlags(), allFlag("stop all running containers", true), filterFlag("stop", true),
			ignoreFlag(), latestFlag())
	})
}

func containerRestartCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "restart",
		Usage:     "Restart one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			o, err := stopOptionsFrom(c)
			if err != nil {
				return err
			}
			return eachContainer(c, false, func(ref string) error {
				return container.Restart(c.Context, engineFrom(c), ref, o)
			})
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = append(stopFlags(), allFlag("restart all containers", true), filterFlag("restart", true), latestFlag())
	})
}

func containerKillCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "Kill one or more running containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "signal to send to the container"},
			allFlag("signal all running containers", true), ignoreFlag(), latestFlag(),
		},
		Action: func(c *cli.Context) error {
			sig, err := spec.ParseSignal(c.String("signal"))
			if err != nil {
				return err
			}
			return eachContainer(c, false, func(ref string) error {
				return container.Kill(engineFrom(c), ref, sig)
			}, container.StatusRunning, container.StatusPaused)
		},
	}
}

func containerRmCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "Remove one or more containers",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Action: func(c *cli.Context) error {
			if c.Bool("link") {
				if err := needArgs(c, 1, -1); err != nil {
					return err
				}
				return eachContainer(c, false, func(ref string) error {
					return container.RemoveLink(engineFrom(c), ref)
				})
			}
			o := container.RemoveOptions{Force: c.Bool("force"), Volumes: c.Bool("volumes"), ForceStop: forceStop(c)}
			refs, err := targets(c)
			if err != nil {
				return err
			}
			var errs []error
			container.RemoveEach(engineFrom(c), refs, o, c.Bool("ignore"), func(i int, err error, skipped bool) {
				switch {
				case skipped:
				case err != nil:
					printErr(c, err)
					errs = append(errs, err)
				default:
					printOut(c, refs[i])
				}
			})
			return bulkFailure(errs, true, 1)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "force the removal of a running container (uses SIGKILL; invoked as podman, stops it as stop does first)"},
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "remove anonymous volumes associated with the container"},
			// -l is --link in docker's dialect, --latest in podman's
			// (internal/dialect's Shorthands)
			&cli.BoolFlag{Name: "link", Usage: "remove the specified link (/CONTAINER/ALIAS), not a container"},
			&cli.BoolFlag{Name: "latest", Usage: "act on the latest container skiff is aware of"},
			allFlag("remove all containers", true), filterFlag("remove", false), ignoreFlag(),
			&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Usage: "with --force, seconds to wait for a running container to stop before killing it", DefaultText: "kill at once; invoked as podman, the container's stop timeout"},
		}
	})
}

func containerWaitCommand() *cli.Command {
	return &cli.Command{
		Name:      "wait",
		Usage:     "Block until one or more containers stop, then print their exit codes",
		ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:     []cli.Flag{latestFlag()},
		Action: func(c *cli.Context) error {
			refs, err := targets(c)
			if err != nil {
				return err
			}
			var errs []error
			for _, ref := range refs {
				code, err := container.Wait(c.Context, engineFrom(c), ref)
				if err != nil {
					printErr(c, err)
					errs = append(errs, err)
					continue
				}
				printOut(c, code)
			}
			return bulkFailure(errs, false, 1)
		},
	}
}
