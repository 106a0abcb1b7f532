package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/network"
)

func networkRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "Remove one or more networks",
		ArgsUsage: "NETWORK [NETWORK...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Do not error if the network does not exist (invoked as podman: also remove the containers using it)"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "Ignore errors when a specified network does not exist"},
			&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Usage: "Seconds to wait for the running containers --force removes to stop before killing them (podman's)", DefaultText: "each container's stop timeout"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			e := engineFrom(c)
			o := network.RemoveOptions{Force: c.Bool("force"), Users: container.NetworkUsers(e)}
			evict := o.Force && dialect.Current().ForceRemovesUsers
			if c.IsSet("time") && !evict {
				return usageErr(c, "--time applies to the containers that --force removes (podman's network rm): invoke skiff as podman")
			}
			if evict {
				stop := forceStop(c)
				o.Evict = func(ids []string) error { return container.RemoveAll(e, ids, stop) }
			}
			return bulk(c, c.Args().Slice(), func(name string) error {
				if err := network.Remove(e, name, o); err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, name)
				return nil
			})
		},
	}
}
