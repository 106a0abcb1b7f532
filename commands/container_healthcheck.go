package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

// healthcheckCommand is podman's healthcheck: run runs a container's
// check once now (podman-healthcheck-run(1)): exit 0 when it passes, else
// "unhealthy" (or "starting", within the start period) on stdout and exit
// 1; a container without a check, or not running, is an error (125).
func healthcheckCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "healthcheck",
		Usage: "Manage health checks on containers",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{{
			Name:      "run",
			Usage:     "Run a container's health check once now (exit 0 healthy, 1 not)",
			ArgsUsage: "CONTAINER",
			Action: func(c *cli.Context) error {
				if err := needArgs(c, 1, 1); err != nil {
					return err
				}
				verdict, err := container.RunHealthcheck(c.Context, engineFrom(c), c.Args().First())
				if err != nil {
					return err
				}
				if verdict != container.HealthHealthy {
					fmt.Fprintln(c.App.Writer, verdict)
					return &errdefs.ExitCodeError{Code: 1}
				}
				return nil
			},
		}}
	})
}
