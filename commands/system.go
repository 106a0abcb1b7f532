package commands

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/system"
)

func systemCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "system",
		Usage: "Manage skiff",
	}, func(cmd *cli.Command) {
		info := infoCommand()
		info.Usage = "Display system-wide information"
		cmd.Subcommands = []*cli.Command{
			systemCheckCommand(),
			systemDfCommand(),
			info,
			systemPruneCommand(),
			eventsCommand(),
			systemRestoreCommand(),
		}
	})
}

// dfRow is one line of `system df`, with docker's template fields.
type dfRow struct {
	Type        string
	TotalCount  string
	Active      string
	Size        string
	Reclaimable string
}

func systemDfCommand() *cli.Command {
	return &cli.Command{
		Name:  "df",
		Usage: "Show skiff disk usage",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show detailed information on space usage"},
			&cli.StringFlag{Name: "format", Usage: "format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			du, err := system.GetDiskUsage(c.Context, engineFrom(c))
			if err != nil {
				return err
			}
			if c.Bool("verbose") {
				return printDfVerbose(c, du)
			}
			l, err := format.NewLister(c.App.Writer, c.String("format"),
				"table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
				map[string]string{"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"})
			if err != nil {
				return err
			}
			for _, u := range []struct {
				name string
				u    system.Usage
			}{{"Images", du.Images}, {"Containers", du.Containers}, {"Local Volumes", du.Volumes}, {"Build Cache", du.BuildCache}} {
				if err := l.Row(dfRow{Type: u.name, TotalCount: fmt.Sprint(u.u.Total), Active: fmt.Sprint(u.u.Active),
					Size: format.HumanSize(u.u.Size), Reclaimable: reclaimable(u.u)}); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}
}

// reclaimable is docker's "1.2MB (45%)".
func reclaimable(u system.Usage) string {
	s := format.HumanSize(u.Reclaimable)
	if u.Size > 0 {
		s += fmt.Sprintf(" (%d%%)", u.Reclaimable*100/u.Size)
	}
	return s
}

func printDfVerbose(c *cli.Context, du *system.DiskUsage) error {
	w := c.App.Writer
	fmt.Fprintln(w, "Images space usage:")
	fmt.Fprintln(w)
	l, _ := format.NewLister(w, "", "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.UniqueSize}}\t{{.Containers}}",
		map[string]string{"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Size": "SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS"})
	for _, r := range du.ImageRows {
		repo, tag := "<none>", "<none>"
		if tags := image.Tags(r.Names); len(tags) > 0 {
			repo, tag = tags[0].Repository, tags[0].Tag
		}
		_ = l.Row(struct{ Repository, Tag, ID, Size, UniqueSize, Containers string }{
			repo, tag, r.ID[:12], format.HumanSize(r.Size), format.HumanSize(r.UniqueSize), fmt.Sprint(r.Containers)})
	}
	_ = l.Flush()
	fmt.Fprintln(w, "\nContainers space usage:")
	fmt.Fprintln(w)
	l, _ = format.NewLister(w, "", "table {{.ID}}\t{{.Image}}\t{{.Size}}\t{{.Status}}\t{{.Names}}",
		map[string]string{"ID": "CONTAINER ID", "Image": "IMAGE", "Size": "SIZE", "Status": "STATUS", "Names": "NAMES"})
	for _, r := range du.ContainerRows {
		_ = l.Row(struct{ ID, Image, Size, Status, Names string }{r.ID[:12], r.Image, format.HumanSize(r.Size), r.Status, r.Name})
	}
	_ = l.Flush()
	fmt.Fprintln(w, "\nLocal Volumes space usage:")
	fmt.Fprintln(w)
	l, _ = format.NewLister(w, "", "table {{.Name}}\t{{.Links}}\t{{.Size}}",
		map[string]string{"Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"})
	for _, r := range du.VolumeRows {
		_ = l.Row(struct{ Name, Links, Size string }{r.Name, fmt.Sprint(r.Links), format.HumanSize(r.Size)})
	}
	_ = l.Flush()
	fmt.Fprintln(w, "\nBuild cache usage: 0B")
	return nil
}

func systemPruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "Remove unused data",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove all unused images not just dangling ones"},
			&cli.StringSliceFlag{Name: "filter", Usage: `provide filter values (e.g. "label=<key>=<value>", "until=<timestamp>")`},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not prompt for confirmation"},
			&cli.BoolFlag{Name: "volumes", Usage: "prune anonymous volumes"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			f, err := system.ParsePruneFilters(c.StringSlice("filter"))
			if err != nil {
				return err
			}
			if !c.Bool("force") && !confirm(c, systemPruneWarning(c.Bool("all"), c.Bool("volumes"))) {
				return nil
			}
			r, err := system.Prune(c.Context, engineFrom(c), system.PruneOptions{
				All: c.Bool("all"), Volumes: c.Bool("volumes"), Filters: f,
			})
			printSystemPrune(c.App.Writer, r)
			return err
		},
	}
}

func systemPruneWarning(all, volumes bool) string {
	w := "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n"
	if volumes {
		w += "  - all anonymous volumes not used by at least one container\n"
	}
	if all {
		w += "  - all images without at least one container associated to them\n"
	} else {
		w += "  - all dangling images\n"
	}
	return w + "  - unused build cache\n"
}

// printSystemPrune prints docker's report of what system prune removed,
// section by section, as far as it got.
func printSystemPrune(w io.Writer, r *system.PruneReport) {
	if r.Containers != nil {
		printDeleted(w, "Deleted Containers:", r.Containers.Deleted)
	}
	printDeleted(w, "Deleted Networks:", r.Networks)
	if r.Volumes != nil {
		printDeleted(w, "Deleted Volumes:", r.Volumes.Removed)
	}
	if r.Images != nil {
		printImagesDeleted(w, r.Images)
		printReclaimed(w, r.Reclaimed)
	}
}
