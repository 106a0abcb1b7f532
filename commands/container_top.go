package commands

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

func containerTopCommand() *cli.Command {
	return topCommand("Display the running processes of a container", "CONTAINER|--latest", container.Top)
}

// topCommand is container top and pod top: everything after the
// container or pod is ps's.
func topCommand(usage, what string, top func(*engine.Engine, string, []string) (*container.TopReport, error)) *cli.Command {
	return &cli.Command{
		Name:            "top",
		Usage:           usage,
		ArgsUsage:       what + " [ps OPTIONS]",
		SkipFlagParsing: true, // everything after the container is ps's
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) > 0 && args[0] == "--help" {
				return cli.ShowCommandHelp(c.Lineage()[1], c.Command.Name)
			}
			if len(args) > 0 && (args[0] == "--latest" || args[0] == "-l") && what != "POD" {
				// podman's top -l [ps OPTIONS]: the latest container
				ctr, err := container.Latest(engineFrom(c))
				if err != nil {
					return err
				}
				args[0] = ctr.ID
			}
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			if len(args) < 1 {
				return usageErr(c, "requires at least 1 argument")
			}
			r, err := top(engineFrom(c), args[0], psOptions(args[1:]))
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(c.App.Writer, 20, 1, 3, ' ', 0)
			fmt.Fprintln(w, strings.Join(r.Titles, "\t"))
			for _, p := range r.Processes {
				fmt.Fprintln(w, strings.Join(p, "\t"))
			}
			return w.Flush()
		},
	}
}

// psOptions splits ps's options as docker does: they travel as one
// space-separated string, so "-o pid,comm" and "-o" "pid,comm" are alike.
func psOptions(args []string) []string {
	return strings.Fields(strings.Join(args, " "))
}
