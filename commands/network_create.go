package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/labels"
	"github.com/skiff-containers/skiff/runtime/network"
)

func networkCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "Create a network",
		ArgsUsage: "NETWORK",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "driver", Aliases: []string{"d"}, Value: "bridge", Usage: "Driver to manage the Network: bridge only"},
			&cli.StringFlag{Name: "subnet", Usage: "Subnet in CIDR format that represents a network segment"},
			&cli.StringFlag{Name: "gateway", Usage: "IPv4 Gateway for the master subnet"},
			&cli.StringFlag{Name: "ip-range", Usage: "Allocate container ip from a sub-range"},
			&cli.BoolFlag{Name: "internal", Usage: "Restrict external access to the network"},
			&cli.BoolFlag{Name: "attachable", Usage: "Enable manual container attachment"},
			&cli.BoolFlag{Name: "ipv6", Usage: "Enable or disable IPv6 address assignment (not supported yet: refused)"},
			&cli.StringSliceFlag{Name: "label", Usage: "Set metadata on a network"},
			&cli.StringSliceFlag{Name: "opt", Aliases: []string{"o"}, Usage: "Set driver specific options (none supported yet: refused)"},
			&cli.StringFlag{Name: "ipam-driver", Value: "default", Usage: "IP Address Management Driver: default only"},
			&cli.StringFlag{Name: "scope", Value: "local", Usage: "Control the network's scope: local only"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			lbls, err := labels.Parse(c.StringSlice("label"))
			if err != nil {
				return err
			}
			opts, err := labels.Parse(c.StringSlice("opt"))
			if err != nil {
				return err
			}
			n, err := network.Create(engineFrom(c), network.CreateOptions{
				Name: c.Args().First(), Driver: c.String("driver"), Subnet: c.String("subnet"),
				Gateway: c.String("gateway"), IPRange: c.String("ip-range"), Internal: c.Bool("internal"),
				Attachable: c.Bool("attachable"), IPv6: c.Bool("ipv6"), Labels: lbls, Options: opts,
				IPAMDriver: c.String("ipam-driver"), Scope: c.String("scope"),
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, n.ID)
			return nil
		},
	}
}
