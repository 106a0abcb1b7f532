package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func networkConnectCommand() *cli.Command {
	return &cli.Command{
		Name:      "connect",
		Usage:     "Connect a container to a network",
		ArgsUsage: "NETWORK CONTAINER",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "alias", Usage: "Add network-scoped alias for the container"},
			&cli.StringFlag{Name: "ip", Usage: "IPv4 address (e.g., \"172.30.100.104\")"},
			&cli.IntFlag{Name: "gw-priority", Usage: "Highest gw-priority provides the default gateway. Accepts positive and negative values"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, 2); err != nil {
				return err
			}
			return container.ConnectNetwork(engineFrom(c), c.Args().Get(0), c.Args().Get(1),
				container.NetworkConnectOptions{Aliases: c.StringSlice("alias"), IP: c.String("ip"), GwPriority: c.Int("gw-priority")})
		},
	}
}

func networkDisconnectCommand() *cli.Command {
	return &cli.Command{
		Name:      "disconnect",
		Usage:     "Disconnect a container from a network",
		ArgsUsage: "NETWORK CONTAINER",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Force the container to disconnect from a network"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, 2); err != nil {
				return err
			}
			return container.DisconnectNetwork(engineFrom(c), c.Args().Get(0), c.Args().Get(1), c.Bool("force"))
		},
	}
}
