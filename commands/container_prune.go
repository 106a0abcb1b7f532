package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
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
				w := c.App.Writer
				if len(r.Deleted) > 0 {
					fmt.Fprintln(w, "Deleted Containers:")
					for _, id := range r.Deleted {
						fmt.Fprintln(w, id)
					}
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "Total reclaimed space: %s\n", format.HumanSize(r.SpaceReclaimed))
			}
			return err
		},
	}
}
