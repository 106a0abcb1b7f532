package commands

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerPortCommand() *cli.Command {
	return &cli.Command{
		Name:      "port",
		Usage:     "List port mappings or a specific mapping for the container",
		ArgsUsage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
		Flags:     []cli.Flag{latestFlag()},
		Action: func(c *cli.Context) error {
			ref, rest, err := containerAndArgs(c, 0, 1)
			if err != nil {
				return err
			}
			lines, err := container.PortLines(engineFrom(c), ref, strings.Join(rest, ""))
			if err != nil {
				return err
			}
			for _, l := range lines {
				fmt.Fprintln(c.App.Writer, l)
			}
			return nil
		},
	}
}
