package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
)

func containerPruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "Remove all stopped containers",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Usage: `Provide filter values (e.g. "until=<timestamp>", "label=key=value")`},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Do not prompt for confirmation"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			filters, err := container.ParseFilters(c.StringSlice("filter"), container.PruneFilterKeys)
			if err != nil {
				return err
			}
			if !c.Bool("force") && !confirm(c, "WARNING! This will remove all stopped containers.") {
				return nil
			}
			r, err := container.Prune(engineFrom(c), container.PruneOptions{Filters: filters})
			if r != nil {
				printDeleted(c.App.Writer, "Deleted Containers:", r.Deleted)
				printReclaimed(c.App.Writer, r.SpaceReclaimed)
			}
			return err
		},
	}
}
