package commands

import (
	"slices"
	"sort"
	"strings"

	units "github.com/docker/go-units"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/image"
)

// imageRow is one line of `images`; its fields are docker's --format keys
// (and, in this order, its {{json .}} keys).
type imageRow struct {
	Containers   string
	CreatedAt    string
	CreatedSince string
	Digest       string
	ID           string
	Repository   string
	SharedSize   string
	Size         string
	Tag          string
	UniqueSize   string
	VirtualSize  string
}

var imageHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"Containers": "CONTAINERS", "CreatedAt": "CREATED AT", "CreatedSince": "CREATED",
		"Digest": "DIGEST", "ID": "IMAGE ID", "Repository": "REPOSITORY", "SharedSize": "SHARED SIZE",
		"Size": "SIZE", "Tag": "TAG", "UniqueSize": "UNIQUE SIZE", "VirtualSize": "VIRTUAL SIZE",
	}
})

const (
	imagesTable        = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	imagesDigestsTable = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
)

func imageLsCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "ls",
		Aliases:   []string{"list"},
		Usage:     "List images",
		ArgsUsage: "[REPOSITORY[:TAG]]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 1); err != nil {
				return err
			}
			if !slices.Contains(imageSortKeys, c.String("sort")) {
				return usageErr(c, "cannot sort by %q: choose from %s", c.String("sort"), strings.Join(imageSortKeys, ", "))
			}
			filters := c.StringSlice("filter")
			if c.NArg() == 1 {
				filters = append(filters, "reference="+c.Args().First())
			}
			f, err := image.ParseFilters(filters, image.ListFilterKeys()...)
			if err != nil {
				return err
			}
			list, err := image.List(c.Context, engineFrom(c), image.ListOptions{All: c.Bool("all"), Filters: f})
			if err != nil {
				return err
			}
			return printImages(c, list)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "Show all images (default hides intermediate images)"},
			&cli.BoolFlag{Name: "digests", Usage: "Show digests"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "Filter output based on conditions provided (dangling, label, before, since, reference, until)"},
			&cli.StringFlag{Name: "format", Usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "Don't truncate output"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Only show image IDs"},
			&cli.BoolFlag{Name: "noheading", Aliases: []string{"n"}, Usage: "Do not print column headings"},
			&cli.StringFlag{Name: "sort", Value: "created", Usage: "Sort by " + strings.Join(imageSortKeys, ", ")},
		}
	})
}

func printImages(c *cli.Context, list []image.Summary) error {
	tmpl := c.String("format")
	switch {
	case c.Bool("quiet"):
		tmpl = "{{.ID}}"
	case tmpl == "" || tmpl == "table":
		tmpl = imagesTable
		if c.Bool("digests") {
			tmpl = imagesDigestsTable
		}
	}
	l, err := format.NewLister(c.App.Writer, tmpl, imagesTable, imageHeaders())
	if err != nil {
		return err
	}
	if c.Bool("noheading") {
		l.OmitHeader()
	}
	var rows []sortedRow
	for _, sum := range list {
		for _, r := range imageRows(sum, c.Bool("digests"), !c.Bool("no-trunc")) {
			rows = append(rows, sortedRow{r, sum})
		}
	}
	sortImageRows(rows, c.String("sort"))
	for _, r := range rows {
		if err := l.Row(r.imageRow); err != nil {
			return err
		}
	}
	return l.Flush()
}

// imageSortKeys are podman's images --sort keys.
var imageSortKeys = []string{"created", "id", "repository", "size", "tag"}

// sortedRow is a row of images with the image it shows.
type sortedRow struct {
	imageRow
	sum image.Summary
}

// sortImageRows orders the rows by podman's --sort key: created newest
// first (the default, docker's order), the others ascending.
func sortImageRows(rows []sortedRow, key string) {
	less := map[string]func(a, b sortedRow) bool{
		"created":    func(a, b sortedRow) bool { return a.sum.Created.After(b.sum.Created) },
		"id":         func(a, b sortedRow) bool { return a.sum.ID < b.sum.ID },
		"repository": func(a, b sortedRow) bool { return a.Repository < b.Repository },
		"size":       func(a, b sortedRow) bool { return a.sum.Size < b.sum.Size },
		"tag":        func(a, b sortedRow) bool { return a.Tag < b.Tag },
	}[key]
	sort.SliceStable(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
}

// imageRows expands one image into docker's rows: one per tag (times
// digest with --digests), digest-only names, or a single <none> row.
func imageRows(sum image.Summary, digests, trunc bool) []imageRow {
	base := imageRow{
		Containers: "N/A", SharedSize: "N/A", UniqueSize: "N/A",
		CreatedAt: format.Timestamp(sum.Created), CreatedSince: format.TimeAgo(sum.Created),
		ID: "sha256:" + sum.ID, Size: format.HumanSize(sum.Size), VirtualSize: units.HumanSize(float64(sum.Size)),
	}
	if trunc {
		base.ID = image.ShortID(sum.ID)
	}
	row := func(repo, tag, dgst string) imageRow {
		r := base
		r.Repository, r.Tag, r.Digest = repo, tag, dgst
		return r
	}
	byRepo := map[string][]string{}
	for _, d := range sum.RepoDigests {
		repo, dg, _ := strings.Cut(d, "@")
		byRepo[repo] = append(byRepo[repo], dg)
	}
	var rows []imageRow
	tagged := map[string]bool{}
	for _, t := range sum.Tags {
		tagged[t.Repository] = true
		if !digests || len(byRepo[t.Repository]) == 0 {
			rows = append(rows, row(t.Repository, t.Tag, "<none>"))
			continue
		}
		for _, d := range byRepo[t.Repository] {
			rows = append(rows, row(t.Repository, t.Tag, d))
		}
	}
	for _, d := range sum.DigestNames {
		if tagged[d.Repository] {
			continue
		}
		tagged[d.Repository] = true
		dg := "<none>"
		if digests {
			dg = d.Digest.String()
		}
		rows = append(rows, row(d.Repository, "<none>", dg))
	}
	if len(rows) == 0 {
		rows = append(rows, row("<none>", "<none>", "<none>"))
	}
	return rows
}
