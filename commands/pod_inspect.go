package commands

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/pod"
)

func podInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "Display detailed information on one or more pods",
		ArgsUsage: "POD [POD...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "format the output using a Go template or 'json'"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			return inspectObjects(c, c.Args().Slice(), func(ref string) (any, error) {
				return pod.Inspect(engineFrom(c), ref)
			})
		},
	}
}

func podTopCommand() *cli.Command {
	return topCommand("Display the running processes of the containers in a pod", "POD", pod.Top)
}

func podLogsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "Fetch the logs of a pod's containers",
		ArgsUsage: "POD",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "show the logs of this container of the pod only"},
			&cli.BoolFlag{Name: "names", Aliases: []string{"n"}, Usage: "prefix lines with container names instead of IDs"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "follow log output"},
			&cli.StringFlag{Name: "since", Usage: "show logs since a timestamp or relative time (e.g. 42m)"},
			&cli.StringFlag{Name: "until", Usage: "show logs before a timestamp or relative time (e.g. 42m)"},
			&cli.StringFlag{Name: "tail", Value: "all", Usage: "number of lines to show from the end of each log"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "show timestamps"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			o := pod.LogsOptions{Container: c.String("container"), Names: c.Bool("names")}
			o.LogsOptions = container.LogsOptions{
				Follow: c.Bool("follow"), Timestamps: c.Bool("timestamps"),
				Stdout: c.App.Writer, Stderr: c.App.ErrWriter, Tail: -1,
			}
			if t := c.String("tail"); t != "all" && t != "" {
				n, err := strconv.Atoi(t)
				if err != nil {
					return errdefs.Invalid("invalid value %q for --tail: use a number of lines or \"all\"", t)
				}
				o.Tail = n
			}
			var err error
			if o.Since, o.Until, err = timeRange(c); err != nil {
				return err
			}
			return pod.Logs(c.Context, engineFrom(c), c.Args().First(), o)
		},
	}
}
