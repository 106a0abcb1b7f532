package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// composeServicesVerb is a verb over the services named (all when none),
// for a project known by its files or by -p alone.
func composeServicesVerb(name, usage string, flags []cli.Flag, fn func(c *cli.Context, p *compose.Project) error) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, ArgsUsage: "[SERVICE...]", Flags: flags,
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			return fn(c, p)
		},
	}
}

func composeStartCommand() *cli.Command {
	return composeServicesVerb("start", "Start services", nil, func(c *cli.Context, p *compose.Project) error {
		return p.Start(c.Context, engineFrom(c), c.Args().Slice(), composeProgress(c))
	})
}

func composeStopCommand() *cli.Command {
	return composeServicesVerb("stop", "Stop services", []cli.Flag{timeoutFlag()}, func(c *cli.Context, p *compose.Project) error {
		return p.Stop(c.Context, engineFrom(c), c.Args().Slice(), timeoutFrom(c), composeProgress(c))
	})
}

func composeRestartCommand() *cli.Command {
	flags := []cli.Flag{timeoutFlag(), &cli.BoolFlag{Name: "no-deps", Usage: "don't restart dependent services"}}
	return composeServicesVerb("restart", "Restart service containers", flags, func(c *cli.Context, p *compose.Project) error {
		return p.Restart(c.Context, engineFrom(c), c.Args().Slice(), c.Bool("no-deps"), timeoutFrom(c), composeProgress(c))
	})
}

func composeKillCommand() *cli.Command {
	flags := []cli.Flag{&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "SIGKILL", Usage: "SIGNAL to send to the container"}}
	return composeServicesVerb("kill", "Force stop service containers", flags, func(c *cli.Context, p *compose.Project) error {
		sig, err := spec.ParseSignal(c.String("signal"))
		if err != nil {
			return err
		}
		return p.Kill(engineFrom(c), c.Args().Slice(), sig, composeProgress(c))
	})
}

func composePauseCommand() *cli.Command {
	return composeServicesVerb("pause", "Pause services", nil, func(c *cli.Context, p *compose.Project) error {
		return p.Pause(engineFrom(c), c.Args().Slice(), composeProgress(c))
	})
}

func composeUnpauseCommand() *cli.Command {
	return composeServicesVerb("unpause", "Unpause services", nil, func(c *cli.Context, p *compose.Project) error {
		return p.Unpause(engineFrom(c), c.Args().Slice(), composeProgress(c))
	})
}

func composeRmCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "don't ask to confirm removal"},
		&cli.BoolFlag{Name: "stop", Aliases: []string{"s"}, Usage: "stop the containers, if required, before removing"},
		&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "remove any anonymous volumes attached to containers"},
	}
	return composeServicesVerb("rm", "Removes stopped service containers", flags, func(c *cli.Context, p *compose.Project) error {
		// skiff never asks: -f is accepted for scripts written for docker compose
		return p.Remove(c.Context, engineFrom(c), c.Args().Slice(),
			compose.RemoveOptions{Stop: c.Bool("stop"), Volumes: c.Bool("volumes")}, composeProgress(c))
	})
}
