package commands

import (
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/timestamp"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerLogsCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "logs",
		Usage:     "Fetch the logs of a container",
		ArgsUsage: "CONTAINER",
		Action: func(c *cli.Context) error {
			ref, _, err := containerAndArgs(c, 0, 0)
			if err != nil {
				return err
			}
			o := container.LogsOptions{
				Follow: c.Bool("follow"), Timestamps: c.Bool("timestamps"), Details: c.Bool("details"),
				Stdout: c.App.Writer, Stderr: c.App.ErrWriter, Tail: -1,
			}
			if t := c.String("tail"); t != "all" && t != "" {
				n, err := strconv.Atoi(t)
				if err != nil {
					return errdefs.Invalid("invalid value %q for --tail: use a number of lines or \"all\"", t)
				}
				o.Tail = n // negative: all, as in docker
			}
			if o.Since, o.Until, err = timeRange(c); err != nil {
				return err
			}
			return container.Logs(c.Context, engineFrom(c), ref, o)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "details", Usage: "Show extra details provided to logs"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "Follow log output"},
			&cli.StringFlag{Name: "since", Usage: `Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`},
			// -n is --tail in docker's dialect, --names in podman's
			&cli.StringFlag{Name: "tail", Value: "all", Usage: "Number of lines to show from the end of the logs"},
			&cli.BoolFlag{Name: "names", Usage: "Name the container on each line when the logs of several are shown (podman's; with the one container skiff's logs takes, nothing is added, as in podman)"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "Show timestamps"},
			&cli.StringFlag{Name: "until", Usage: `Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`},
			latestFlag(),
		}
	})
}

// timeRange reads --since and --until: docker's timestamps, or durations
// back from now ("42m"); unset: zero.
func timeRange(c *cli.Context) (since, until time.Time, err error) {
	now := time.Now()
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := c.String(f.name); v != "" {
			if *f.dst, err = timestamp.Parse(v, now); err != nil {
				return since, until, errdefs.Invalid("invalid value for --%s: %v", f.name, err)
			}
		}
	}
	return since, until, nil
}
