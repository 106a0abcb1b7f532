package commands

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerPortCommand() *cli.Command {
	return &cli.Command{
		Name:      "port",
		Usage:     "List port mappings or a specific mapping for the container",
		ArgsUsage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
		Flags:     []cli.Flag{latestFlag(), allFlag("list the port mappings of every running container, each line after its short ID (podman's)", true)},
		Action: func(c *cli.Context) error {
			if c.Bool("all") {
				return portAll(c)
			}
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

// portAll is podman's port --all: the mappings of every running
// container, each line prefixed with its short ID and a tab.
func portAll(c *cli.Context) error {
	refs, err := targets(c, "running")
	if err != nil {
		return err
	}
	for _, ref := range refs {
		lines, err := container.PortLines(engineFrom(c), ref, "")
		if errdefs.IsNotFound(err) {
			continue // removed meanwhile
		}
		if err != nil {
			return err
		}
		for _, l := range lines {
			fmt.Fprintf(c.App.Writer, "%s\t%s\n", ref[:min(12, len(ref))], l)
		}
	}
	return nil
}
