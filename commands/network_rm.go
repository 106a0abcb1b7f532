package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

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
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Do not error if the network does not exist"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			e := engineFrom(c)
			o := network.RemoveOptions{Force: c.Bool("force"), Users: container.NetworkUsers(e)}
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
