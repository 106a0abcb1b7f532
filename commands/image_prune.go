package commands

import (
	"io"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/image"
)

func imagePruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "Remove unused images",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "Remove all unused images, not just dangling ones"},
			&cli.StringSliceFlag{Name: "filter", Usage: "Provide filter values (e.g. \"until=<timestamp>\", \"label=key=value\")"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Do not prompt for confirmation"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			f, err := image.ParseFilters(c.StringSlice("filter"), image.PruneFilterKeys()...)
			if err != nil {
				return err
			}
			warning := "WARNING! This will remove all dangling images."
			if c.Bool("all") {
				warning = "WARNING! This will remove all images without at least one container associated to them."
			}
			if !c.Bool("force") && !confirm(c, warning) {
				return nil
			}
			rep, err := image.Prune(c.Context, engineFrom(c), image.PruneOptions{All: c.Bool("all"), Filters: f})
			if rep != nil {
				printPrune(c, rep)
			}
			return err
		},
	}
}

// printPrune prints docker's image prune report.
func printPrune(c *cli.Context, rep *image.PruneReport) {
	printImagesDeleted(c.App.Writer, rep)
	printReclaimed(c.App.Writer, rep.Reclaimed)
}

// printImagesDeleted prints the "Deleted Images:" section.
func printImagesDeleted(w io.Writer, rep *image.PruneReport) {
	var lines []string
	for _, u := range rep.Untagged {
		lines = append(lines, "untagged: "+u)
	}
	for _, d := range rep.Deleted {
		lines = append(lines, "deleted: "+d)
	}
	printDeleted(w, "Deleted Images:", lines)
}
