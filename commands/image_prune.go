package commands

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/storage/image"
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
			s, err := storeFrom(c)
			if err != nil {
				return err
			}
			rep, err := image.Prune(c.Context, s, image.PruneOptions{All: c.Bool("all"), Filters: f})
			if rep != nil {
				printPrune(c, rep)
			}
			return err
		},
	}
}

// confirm asks docker's question on stdout and reads the answer.
func confirm(c *cli.Context, warning string) bool {
	fmt.Fprintf(c.App.Writer, "%s\nAre you sure you want to continue? [y/N] ", warning)
	line, _ := bufio.NewReader(c.App.Reader).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func printPrune(c *cli.Context, rep *image.PruneReport) {
	w := c.App.Writer
	if len(rep.Untagged)+len(rep.Deleted) > 0 {
		fmt.Fprintln(w, "Deleted Images:")
		for _, u := range rep.Untagged {
			fmt.Fprintf(w, "untagged: %s\n", u)
		}
		for _, d := range rep.Deleted {
			fmt.Fprintf(w, "deleted: %s\n", d)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Total reclaimed space: %s\n", format.HumanSize(rep.Reclaimed))
}
