package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/volume"
)

func volumePruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "Remove unused local volumes",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "Remove all unused volumes, not just anonymous ones"},
			&cli.StringSliceFlag{Name: "filter", Usage: "Provide filter values (e.g. \"label=<label>\")"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Do not prompt for confirmation"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			if err := volume.ValidatePruneFilters(c.StringSlice("filter")); err != nil {
				return err
			}
			warning := "WARNING! This will remove anonymous local volumes not used by at least one container."
			if c.Bool("all") {
				warning = "WARNING! This will remove all local volumes not used by at least one container."
			}
			if !c.Bool("force") && !confirm(c, warning) {
				return nil
			}
			rep, err := volume.Prune(engineFrom(c), volume.PruneOptions{All: c.Bool("all"), Filters: c.StringSlice("filter")})
			if rep != nil {
				printDeleted(c.App.Writer, "Deleted Volumes:", rep.Removed)
				printReclaimed(c.App.Writer, rep.Reclaimed)
			}
			return err
		},
	}
}
