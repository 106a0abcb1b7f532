package commands

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/compose"
)

func composeLogsCommand() *cli.Command {
	return deferred(&cli.Command{
		Name: "logs", Usage: "View output from containers", ArgsUsage: "[SERVICE...]",
		Action: func(c *cli.Context) error {
			since, until, err := timeRange(c)
			if err != nil {
				return err
			}
			tail := -1
			if t := c.String("tail"); t != "all" {
				if tail, err = strconv.Atoi(t); err != nil {
					return usageErr(c, "invalid --tail %q: use a number or all", t)
				}
			}
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			pr := compose.NewPrinter(c.App.Writer, composeColor(c, c.Bool("no-color")), !c.Bool("no-log-prefix"))
			return p.Logs(c.Context, engineFrom(c), pr, compose.LogOptions{
				Services: c.Args().Slice(), Follow: c.Bool("follow"), Tail: tail, Since: since, Until: until,
				Timestamps: c.Bool("timestamps"), Index: c.Int("index"),
			})
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "follow log output"},
			&cli.StringFlag{Name: "tail", Aliases: []string{"n"}, Value: "all", Usage: "number of lines to show from the end of the logs for each container"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "show timestamps"},
			&cli.StringFlag{Name: "since", Usage: "show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)"},
			&cli.StringFlag{Name: "until", Usage: "show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)"},
			&cli.BoolFlag{Name: "no-color", Usage: "produce monochrome output"},
			&cli.BoolFlag{Name: "no-log-prefix", Usage: "don't print prefix in logs"},
			&cli.IntFlag{Name: "index", Usage: "index of the container if service has multiple replicas"},
		}
	})
}
