package commands

import (
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// volumeRow is one line of `volume ls`; its fields are docker's --format
// keys (and, in this order, its {{json .}} keys).
type volumeRow struct {
	Availability string
	Driver       string
	Group        string
	Labels       string
	Links        string
	Mountpoint   string
	Name         string
	Scope        string
	Size         string
	Status       string
	labels       map[string]string
}

// Label is docker's {{.Label "key"}}.
func (r volumeRow) Label(name string) string { return r.labels[name] }

var volumeHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"Availability": "AVAILABILITY", "Driver": "DRIVER", "Group": "GROUP", "Labels": "LABELS",
		"Links": "LINKS", "Mountpoint": "MOUNTPOINT", "Name": "VOLUME NAME", "Scope": "SCOPE",
		"Size": "SIZE", "Status": "STATUS",
	}
})

const volumesTable = "table {{.Driver}}\t{{.Name}}"

func volumeLsCommand() *cli.Command {
	return &cli.Command{
		Name:    "ls",
		Aliases: []string{"list"},
		Usage:   "List volumes",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "Provide filter values (e.g. \"dangling=true\", \"name=NAME\", \"label=KEY[=VALUE]\", \"driver=local\")"},
			&cli.StringFlag{Name: "format", Usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Only display volume names"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			list, err := volume.List(engineFrom(c), volume.ListOptions{Filters: c.StringSlice("filter")})
			if err != nil {
				return err
			}
			tmpl := c.String("format")
			if c.Bool("quiet") {
				tmpl = "{{.Name}}"
			}
			l, err := format.NewLister(c.App.Writer, tmpl, volumesTable, volumeHeaders())
			if err != nil {
				return err
			}
			for _, v := range list {
				if err := l.Row(newVolumeRow(v)); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}
}

func newVolumeRow(v *volume.Volume) volumeRow {
	keys := make([]string, 0, len(v.Labels))
	for k := range v.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, k+"="+v.Labels[k])
	}
	return volumeRow{
		Availability: "N/A", Driver: v.Driver, Group: "N/A", Labels: strings.Join(pairs, ","),
		Links: "N/A", Mountpoint: v.Mountpoint, Name: v.Name, Scope: v.Scope,
		Size: "N/A", Status: "N/A", labels: v.Labels,
	}
}
