package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/network"
)

func networkPruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "Remove all unused networks",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Usage: "Provide filter values (e.g. \"until=<timestamp>\")"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Do not prompt for confirmation"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			f, err := network.ParseFilters(c.StringSlice("filter"), network.PruneFilterKeys)
			if err != nil {
				return err
			}
			if !c.Bool("force") && !confirm(c, "WARNING! This will remove all custom networks not used by at least one container.") {
				return nil
			}
			e := engineFrom(c)
			removed, err := network.Prune(e, network.PruneOptions{Filters: f, Users: container.NetworkUsers(e)})
			printDeleted(c.App.Writer, "Deleted Networks:", removed)
			return err
		},
	}
}
