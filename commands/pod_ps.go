package commands

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/pod"
)

// podRow is a pod as pod ps prints it (podman's field names).
type podRow struct {
	ID, Name, Status, InfraID, Created string
	NumberOfContainers                 int
	Labels                             map[string]string
	ContainerNames, ContainerIds       string
	ContainerStatuses                  string
	Networks                           string
	CreatedAt                          time.Time
}

var podHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"ID": "POD ID", "Name": "NAME", "Status": "STATUS", "Created": "CREATED", "InfraID": "INFRA ID",
		"NumberOfContainers": "# OF CONTAINERS", "Labels": "LABELS", "ContainerNames": "NAMES",
		"ContainerIds": "IDS", "ContainerStatuses": "STATUS", "Networks": "NETWORKS", "CreatedAt": "CREATED AT",
	}
})

const podsTable = "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}\t{{.NumberOfContainers}}"

func podRowOf(s pod.Summary, noTrunc bool) podRow {
	short := func(id string) string {
		if noTrunc || len(id) < 12 {
			return id
		}
		return id[:12]
	}
	r := podRow{
		ID: short(s.ID), Name: s.Name, Status: s.State, InfraID: short(s.InfraID),
		Created: format.TimeAgo(s.Created), CreatedAt: s.Created, NumberOfContainers: len(s.Containers), Labels: s.Labels,
	}
	var names, ids, states, nets []string
	for _, c := range s.Containers {
		names, ids, states = append(names, c.Name), append(ids, short(c.ID)), append(states, c.State.Status)
		if c.Infra {
			nets = c.NetworkNames()
		}
	}
	r.ContainerNames, r.ContainerIds = strings.Join(names, ","), strings.Join(ids, ",")
	r.ContainerStatuses, r.Networks = strings.Join(states, ","), strings.Join(nets, ",")
	return r
}

func podPsCommand() *cli.Command {
	return &cli.Command{
		Name:    "ps",
		Aliases: []string{"ls", "list"},
		Usage:   "List pods",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "filter output (id, name, label, status, ctr-names, ctr-ids, ctr-status, ctr-number)"},
			&cli.StringFlag{Name: "format", Usage: "format output using a Go template, 'table TEMPLATE' or 'json'"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "do not truncate IDs"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only pod IDs"},
			&cli.BoolFlag{Name: "ctr-names", Usage: "show the names of the containers in the pod"},
			&cli.BoolFlag{Name: "ctr-ids", Usage: "show the IDs of the containers in the pod"},
			&cli.BoolFlag{Name: "ctr-status", Usage: "show the status of the containers in the pod"},
			&cli.BoolFlag{Name: "ns", Usage: "show the namespaces the pod's containers share"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			f, err := filters.Parse(c.StringSlice("filter"), pod.ListFilterKeys...)
			if err != nil {
				return err
			}
			pods, err := pod.ListFiltered(engineFrom(c), f)
			if err != nil {
				return err
			}
			if c.Bool("quiet") {
				for _, s := range pods {
					printOut(c, podRowOf(s, c.Bool("no-trunc")).ID)
				}
				return nil
			}
			table := podsTable
			for _, col := range []struct{ flag, field string }{{"ctr-names", "ContainerNames"}, {"ctr-ids", "ContainerIds"}, {"ctr-status", "ContainerStatuses"}} {
				if c.Bool(col.flag) {
					table += "\t{{." + col.field + "}}"
				}
			}
			if c.Bool("ns") {
				return podNamespaces(c, pods)
			}
			l, err := format.NewLister(c.App.Writer, c.String("format"), table, podHeaders())
			if err != nil {
				return err
			}
			for _, s := range pods {
				if err := l.Row(podRowOf(s, c.Bool("no-trunc"))); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}
}

// podNamespaces is pod ps --ns: the namespaces each pod shares.
func podNamespaces(c *cli.Context, pods []pod.Summary) error {
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 3, ' ', 0)
	fmt.Fprintln(w, "POD ID\tNAME\tSHARED NAMESPACES")
	for _, s := range pods {
		fmt.Fprintf(w, "%s\t%s\t%s\n", podRowOf(s, c.Bool("no-trunc")).ID, s.Name, strings.Join(s.Share, ","))
	}
	return w.Flush()
}
