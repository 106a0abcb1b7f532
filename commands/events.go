package commands

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/runtime/events"
)

func eventsCommand() *cli.Command {
	return &cli.Command{
		Name:  "events",
		Usage: "Get real time events from skiff (what commands and monitors recorded)",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "filter output based on conditions provided (container, event, image, label, network, type, volume)"},
			&cli.StringFlag{Name: "format", Usage: "format output using a custom template: 'json' or a Go template"},
			&cli.StringFlag{Name: "since", Usage: "show all events created since timestamp"},
			&cli.StringFlag{Name: "until", Usage: "stream events until this timestamp"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			since, until, err := timeRange(c)
			if err != nil {
				return err
			}
			filter, err := events.ParseFilter(c.StringSlice("filter"))
			if err != nil {
				return err
			}
			print := printEvent
			if f := c.String("format"); f != "" {
				if f == "json" {
					f = "{{json .}}"
				}
				tmpl, err := format.Parse(f)
				if err != nil {
					return errdefs.Invalid("%v", err)
				}
				print = func(w *strings.Builder, ev *events.Event) error { return tmpl.Execute(w, ev) }
			}
			return events.Read(c.Context, engineFrom(c), events.ReadOptions{Since: since, Until: until, Filter: filter}, func(ev *events.Event) error {
				var b strings.Builder
				if err := print(&b, ev); err != nil {
					return err
				}
				b.WriteByte('\n')
				_, err := fmt.Fprint(c.App.Writer, b.String())
				return err
			})
		},
	}
}

// printEvent is docker's plain line: time, type, action, ID, attributes.
func printEvent(w *strings.Builder, ev *events.Event) error {
	t := time.Unix(0, ev.TimeNano).Format("2006-01-02T15:04:05.000000000Z07:00")
	fmt.Fprintf(w, "%s %s %s %s", t, ev.Type, ev.Action, ev.Actor.ID)
	if len(ev.Actor.Attributes) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(ev.Actor.Attributes)) {
			kv = append(kv, k+"="+ev.Actor.Attributes[k])
		}
		fmt.Fprintf(w, " (%s)", strings.Join(kv, ", "))
	}
	return nil
}
