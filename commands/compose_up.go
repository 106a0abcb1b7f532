package commands

import (
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/compose"
)

func composeUpFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "build", Usage: "build images before starting containers"},
		&cli.BoolFlag{Name: "no-build", Usage: "don't build an image, even if it's missing"},
		&cli.StringFlag{Name: "pull", Usage: "pull image before running (always, missing, never)"},
		&cli.BoolFlag{Name: "force-recreate", Usage: "recreate containers even if their configuration and image haven't changed"},
		&cli.BoolFlag{Name: "no-recreate", Usage: "if containers already exist, don't recreate them"},
		&cli.BoolFlag{Name: "remove-orphans", Usage: "remove containers for services not defined in the Compose file"},
		&cli.StringSliceFlag{Name: "scale", Usage: "scale SERVICE to NUM instances (SERVICE=NUM)"},
		&cli.BoolFlag{Name: "quiet-pull", Usage: "pull without printing progress information"},
	}
}

func composeUpCommand() *cli.Command {
	return deferred(&cli.Command{
		Name: "up", Usage: "Create and start containers", ArgsUsage: "[SERVICE...]",
		Action: func(c *cli.Context) error {
			detach := c.Bool("detach") || c.Bool("wait")
			if detach && (c.Bool("abort-on-container-exit") || c.IsSet("exit-code-from")) {
				return usageErr(c, "--abort-on-container-exit and --exit-code-from cannot be combined with -d or --wait")
			}
			o, err := composeUpOptions(c)
			if err != nil {
				return err
			}
			o.NoDeps, o.NoStart = c.Bool("no-deps"), c.Bool("no-start")
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			if from := c.String("exit-code-from"); from != "" {
				if _, ok := p.Services[from]; !ok {
					return errdefs.WithExitCode(compose.ExitFailure, errdefs.NotFound("no such service: %s", from))
				}
			}
			// ctrl-C from here on is the attached up's (first stops, second kills).
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
			defer signal.Stop(sigs)
			e := engineFrom(c)
			rep, err := p.Up(c.Context, e, o)
			if err != nil {
				return err
			}
			if o.NoStart {
				return nil
			}
			if c.Bool("wait") {
				return p.Wait(c.Context, e, rep.Containers, time.Duration(c.Int("wait-timeout"))*time.Second, composeProgress(c))
			}
			if detach {
				return nil
			}
			code, err := p.Attach(c.Context, e, rep, compose.AttachOptions{
				Printer:     compose.NewPrinter(c.App.Writer, composeColor(c, c.Bool("no-color")), !c.Bool("no-log-prefix")),
				Interrupt:   sigs,
				AbortOnExit: c.Bool("abort-on-container-exit"), ExitCodeFrom: c.String("exit-code-from"),
				Timeout: timeoutFrom(c), Progress: composeProgress(c),
			})
			if err != nil {
				return err
			}
			return exitCode(code)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = append(composeUpFlags(),
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detached mode: run containers in the background"},
			&cli.BoolFlag{Name: "no-deps", Usage: "don't start linked services"},
			&cli.BoolFlag{Name: "no-start", Usage: "don't start the services after creating them"},
			&cli.BoolFlag{Name: "wait", Usage: "wait for services to be running|healthy (implies detached mode)"},
			&cli.IntFlag{Name: "wait-timeout", Usage: "maximum duration in seconds to wait for the project to be running|healthy"},
			&cli.BoolFlag{Name: "abort-on-container-exit", Usage: "stops all containers if any container was stopped"},
			&cli.StringFlag{Name: "exit-code-from", Usage: "return the exit code of the selected service container (implies --abort-on-container-exit)"},
			&cli.BoolFlag{Name: "no-color", Usage: "produce monochrome output"},
			&cli.BoolFlag{Name: "no-log-prefix", Usage: "don't print prefix in logs"},
			&cli.BoolFlag{Name: "timestamps", Usage: "show timestamps"},
			timeoutFlag(),
		)
	})
}

// composeUpOptions reads the flags up and create share.
func composeUpOptions(c *cli.Context) (compose.UpOptions, error) {
	o := compose.UpOptions{
		Services: c.Args().Slice(), RemoveOrphans: c.Bool("remove-orphans"), Timeout: timeoutFrom(c),
		Progress: composeProgress(c), Warn: c.App.ErrWriter,
		BuildOptions: compose.BuildOptions{Out: composeProgress(c), Warn: c.App.ErrWriter},
		Pull:         compose.PullOptions{Policy: c.String("pull"), Quiet: c.Bool("quiet-pull"), Progress: composeProgress(c)},
	}
	switch {
	case c.Bool("build") && c.Bool("no-build"):
		return o, usageErr(c, "--build and --no-build are incompatible")
	case c.Bool("build"):
		o.Build = compose.BuildAlways
	case c.Bool("no-build"):
		o.Build = compose.BuildNever
	}
	switch {
	case c.Bool("force-recreate") && c.Bool("no-recreate"):
		return o, usageErr(c, "--force-recreate and --no-recreate are incompatible")
	case c.Bool("force-recreate"):
		o.Recreate = compose.RecreateForce
	case c.Bool("no-recreate"):
		o.Recreate = compose.RecreateNever
	}
	switch o.Pull.Policy {
	case "", "always", "missing", "never":
	default:
		return o, usageErr(c, "invalid --pull %q: use always, missing or never", o.Pull.Policy)
	}
	for _, v := range c.StringSlice("scale") {
		svc, n, ok := strings.Cut(v, "=")
		num, err := strconv.Atoi(n)
		if !ok || err != nil || num < 0 {
			return o, usageErr(c, "invalid --scale %q: use SERVICE=NUM", v)
		}
		if o.Scale == nil {
			o.Scale = map[string]int{}
		}
		o.Scale[svc] = num
	}
	return o, nil
}

func composeCreateCommand() *cli.Command {
	return deferred(&cli.Command{
		Name: "create", Usage: "Creates containers for a service", ArgsUsage: "[SERVICE...]",
		Action: func(c *cli.Context) error {
			o, err := composeUpOptions(c)
			if err != nil {
				return err
			}
			o.NoStart = true
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			_, err = p.Up(c.Context, engineFrom(c), o)
			return err
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = composeUpFlags()
	})
}

func composeDownCommand() *cli.Command {
	return &cli.Command{
		Name: "down", Usage: "Stop and remove containers, networks",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "remove named volumes declared in the volumes section and anonymous volumes attached to containers"},
			&cli.StringFlag{Name: "rmi", Usage: `remove images used by services: "local" (images without a custom tag) or "all"`},
			&cli.BoolFlag{Name: "remove-orphans", Usage: "remove containers for services not defined in the Compose file"},
			timeoutFlag(),
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			// --rmi needs the services' images: the model
			p, err := loadProject(c, c.String("rmi") == "")
			if err != nil {
				return err
			}
			return p.Down(c.Context, engineFrom(c), compose.DownOptions{
				Volumes: c.Bool("volumes"), RemoveImages: c.String("rmi"), RemoveOrphans: c.Bool("remove-orphans"),
				Timeout: timeoutFrom(c), Progress: composeProgress(c), Warn: c.App.ErrWriter,
			})
		},
	}
}
