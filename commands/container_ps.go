package commands

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/pod"
)

const (
	psTable     = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
	psSizeTable = psTable + "\t{{.Size}}"
	psPodTable  = psTable + "\t{{.Pod}}\t{{.PodName}}"
)

var psHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
		"RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
		"Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS", "LocalVolumes": "LOCAL VOLUMES",
		"Networks": "NETWORKS", "Pod": "POD ID", "PodName": "PODNAME",
	}
})

// containerPsCommand is ps, also `container ls` (list, ps).
func containerPsCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "ps",
		Usage: "List containers",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			filters, err := container.ParseFilters(c.StringSlice("filter"), container.PsFilterKeys)
			if err != nil {
				return err
			}
			pods, err := podNames(engineFrom(c), filters)
			if err != nil {
				return err
			}
			tmpl := psTemplate(c)
			sortKey := c.String("sort")
			if !c.IsSet("sort") {
				sortKey = dialect.Current().PsSort
			}
			if sortKey != "" && !slices.Contains(psSortKeys, sortKey) {
				return usageErr(c, "cannot sort by %q: choose from %s", sortKey, strings.Join(psSortKeys, ", "))
			}
			o := container.ListOptions{All: c.Bool("all"), Last: c.Int("last"), Filters: filters, External: c.Bool("external"),
				Size: sortKey == "size" || !c.Bool("quiet") && (c.Bool("size") || (!c.IsSet("size") && strings.Contains(tmpl, ".Size")))}
			if c.Bool("latest") {
				o.Last = 1
			}
			if o.Size || o.External || len(filters.Ancestors) > 0 {
				// sizes and image ancestry come from the image store
				if err := rootless.Ensure(); err != nil {
					return err
				}
			}
			list, err := container.ListFiltered(engineFrom(c), o)
			if err != nil {
				return err
			}
			sortContainers(list, sortKey)
			l, err := format.NewLister(c.App.Writer, tmpl, psTable, psHeaders())
			if err != nil {
				return err
			}
			if c.Bool("noheading") {
				l.OmitHeader()
			}
			now := time.Now()
			for _, s := range list {
				r := newPsRow(s, !c.Bool("no-trunc"), now)
				if s.Pod != "" {
					r.Pod, r.PodName = s.Pod[:12], pods[s.Pod]
				}
				if err := l.Row(r); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "Show all containers (default shows just running)"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "Filter output based on conditions provided (" + strings.Join(container.PsFilterKeys, ", ") + ")"},
			&cli.StringFlag{Name: "format", Usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"},
			&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: -1, Usage: "Show n last created containers (includes all states)", DefaultText: "all"},
			&cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "Show the latest created container (includes all states)"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "Don't truncate output"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Only display container IDs"},
			&cli.BoolFlag{Name: "size", Aliases: []string{"s"}, Usage: "Display total file sizes"},
			&cli.BoolFlag{Name: "noheading", Usage: "Do not print headers"},
			&cli.StringFlag{Name: "sort", Usage: "Sort output by: " + strings.Join(psSortKeys, ", "), DefaultText: "newest first; created (oldest first) invoked as podman"},
			&cli.BoolFlag{Name: "external", Usage: "Show containers in storage not created by skiff (a build's, or another tool's)"},
			&cli.BoolFlag{Name: "pod", Usage: "Show the ID and name of the pod of each container (podman's POD ID and PODNAME columns)"},
		}
	})
}

// psSortKeys are podman's ps --sort keys.
var psSortKeys = []string{"command", "created", "id", "image", "names", "runningfor", "size", "status"}

// sortContainers orders ps's list by podman's --sort key (stable; created
// and runningfor put the oldest first, as podman does); "" keeps docker's
// order, newest first.
func sortContainers(list []container.Summary, key string) {
	less := map[string]func(a, b container.Summary) bool{
		"command":    func(a, b container.Summary) bool { return a.CommandLine() < b.CommandLine() },
		"created":    func(a, b container.Summary) bool { return a.Created.Before(b.Created) },
		"runningfor": func(a, b container.Summary) bool { return a.Created.Before(b.Created) },
		"id":         func(a, b container.Summary) bool { return a.ID < b.ID },
		"image":      func(a, b container.Summary) bool { return a.Config.Image < b.Config.Image },
		"names":      func(a, b container.Summary) bool { return a.Name < b.Name },
		"size":       func(a, b container.Summary) bool { return a.SizeRw < b.SizeRw },
		"status":     func(a, b container.Summary) bool { return a.State.Status < b.State.Status },
	}[key]
	if less != nil {
		sort.SliceStable(list, func(i, j int) bool { return less(list[i], list[j]) })
	}
}

// psTemplate is the template ps prints with: --quiet wins over --format
// (with docker's warning), -s adds the SIZE column to the default table.
func psTemplate(c *cli.Context) string {
	f := strings.TrimSpace(c.String("format"))
	if c.Bool("quiet") {
		if f != "" && f != "table" {
			fmt.Fprintln(c.App.ErrWriter, "WARNING: Ignoring custom format, because both --format and --quiet are set.")
		}
		return "{{.ID}}"
	}
	if (f == "" || f == "table") && c.Bool("pod") {
		return psPodTable
	}
	if (f == "" || f == "table") && c.Bool("size") {
		return psSizeTable
	}
	return f
}

// psRow is one container as ps's templates see it: docker's fields, all
// strings. Fields are in alphabetical order, as docker's {{json .}} has them.
type psRow struct {
	Command      string
	CreatedAt    string
	ID           string
	Image        string
	Labels       string
	LocalVolumes string
	Mounts       string
	Names        string
	Networks     string
	Pod          string `json:",omitempty"`
	PodName      string `json:",omitempty"`
	Ports        string
	RunningFor   string
	Size         string
	State        string
	Status       string

	labels map[string]string
}

// Label is {{.Label "key"}}: one label's value.
func (r psRow) Label(key string) string { return r.labels[key] }

func newPsRow(s container.Summary, trunc bool, now time.Time) psRow {
	c := s.Container
	r := psRow{
		ID: c.ID, Image: c.Config.Image, Command: c.CommandLine(),
		CreatedAt:  format.Timestamp(c.Created),
		RunningFor: format.TimeAgoAt(c.Created, now),
		Names:      c.Name, Networks: strings.Join(c.NetworkNames(), ","), Ports: c.PortsSummary(),
		State: c.State.Status, Status: c.StatusText(now),
		labels: c.Config.Labels,
		Size:   format.HumanSize(s.SizeRw),
	}
	if r.State == "" {
		r.State = container.StatusCreated
	}
	if s.SizeRootFs > 0 {
		r.Size += " (virtual " + format.HumanSize(s.SizeRootFs) + ")"
	}
	r.Mounts, r.LocalVolumes = psMounts(c, trunc)
	keys := slices.Sorted(maps.Keys(c.Config.Labels))
	for i, k := range keys {
		keys[i] = k + "=" + c.Config.Labels[k]
	}
	r.Labels = strings.Join(keys, ",")
	if trunc {
		r.ID = c.ShortID()
		r.Command = ellipsis(r.Command, 20)
		if id := strings.TrimPrefix(r.Image, "sha256:"); isHex(id) && strings.HasPrefix(c.ImageID, id) {
			r.Image = c.ImageID[:min(12, len(c.ImageID))]
		}
	}
	r.Command = strconv.Quote(r.Command)
	return r
}

// isHex reports whether s is a non-empty lower-case hexadecimal string
// (an ID or a prefix of one).
func isHex(s string) bool {
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return s != ""
}

// psMounts are docker's MOUNTS (volume names, else bind sources, each cut
// to 15 characters unless --no-trunc) and LOCAL VOLUMES (how many mounts
// are local volumes).
func psMounts(c *container.Container, trunc bool) (names, local string) {
	var out []string
	n := 0
	for _, m := range c.Mounts {
		name := m.Name
		if name == "" {
			name = m.Source
		}
		if trunc {
			name = ellipsis(name, 15)
		}
		out = append(out, name)
		if m.Driver == "local" {
			n++
		}
	}
	return strings.Join(out, ","), strconv.Itoa(n)
}

// podNames maps pod IDs to names, and resolves the pod= filter's names
// and ID prefixes to IDs.
func podNames(e *engine.Engine, f *container.Filters) (map[string]string, error) {
	pods, err := pod.List(e)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, p := range pods {
		names[p.ID] = p.Name
	}
	for i, ref := range f.Pods {
		if p, err := pod.Lookup(e, ref); err == nil {
			f.Pods[i] = p.ID
		}
	}
	return names, nil
}
