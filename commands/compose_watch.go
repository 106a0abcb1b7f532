package commands

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/compose"
)

func composeWatchCommand() *cli.Command {
	return &cli.Command{
		Name: "watch", Usage: "Watch build context for service and rebuild/refresh containers when files are updated", ArgsUsage: "[SERVICE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-up", Usage: "do not build & start services before watching"},
			&cli.BoolFlag{Name: "prune", Value: true, Usage: "prune dangling images on rebuild"},
			&cli.BoolFlag{Name: "quiet", Usage: "hide build output"},
		},
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			progress := composeProgress(c)
			up := compose.UpOptions{Progress: progress, Warn: c.App.ErrWriter,
				BuildOptions: compose.BuildOptions{Out: progress, Warn: c.App.ErrWriter},
				Pull:         compose.PullOptions{Progress: progress}}
			if c.Bool("quiet") {
				up.BuildOptions.Out = io.Discard
			}
			err = p.Watch(ctx, engineFrom(c), compose.WatchOptions{
				Services: c.Args().Slice(), NoUp: c.Bool("no-up"), Prune: c.Bool("prune"), Up: up,
				Out: c.App.ErrWriter, Warn: c.App.ErrWriter,
			})
			if err == nil && ctx.Err() != nil && c.Context.Err() == nil {
				return exitCode(compose.ExitCanceled) // ended by ctrl-C, as docker compose ends
			}
			return err
		},
	}
}
