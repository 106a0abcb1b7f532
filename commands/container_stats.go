package commands

import (
	"fmt"
	"time"

	"github.com/docker/go-units"
	"github.com/moby/term"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/container"
)

// statsRow is one line of stats, with docker's template fields.
type statsRow struct {
	BlockIO   string
	CPUPerc   string
	Container string
	ID        string
	MemPerc   string
	MemUsage  string
	Name      string
	NetIO     string
	PIDs      string
}

var statsHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
		"MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
	}
})

const statsTable = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

func containerStatsCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "stats",
		Usage:     "Display a live stream of container(s) resource usage statistics",
		ArgsUsage: "[CONTAINER...]",
		Action: func(c *cli.Context) error {
			prev := map[string]*container.Stats{}
			_, isTerm := term.GetFdInfo(c.App.Writer)
			for first := true; ; first = false {
				ctrs, err := statsTargets(c)
				if err != nil {
					return err
				}
				samples := map[string]*container.Stats{}
				for _, ctr := range ctrs {
					if s, err := ctr.Sample(); err == nil {
						samples[ctr.ID] = s
					}
				}
				if first {
					// CPU % needs two samples, as docker's first reading does.
					time.Sleep(500 * time.Millisecond)
					prev, samples = samples, map[string]*container.Stats{}
					for _, ctr := range ctrs {
						if s, err := ctr.Sample(); err == nil {
							samples[ctr.ID] = s
						}
					}
				}
				if !c.Bool("no-stream") && isTerm {
					fmt.Fprint(c.App.Writer, "\033[2J\033[H")
				}
				if err := printStats(c, ctrs, prev, samples); err != nil {
					return err
				}
				if c.Bool("no-stream") {
					return nil
				}
				prev = samples
				select {
				case <-c.Context.Done():
					return nil
				case <-time.After(time.Second):
				}
			}
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all containers (default shows just running)"},
			&cli.BoolFlag{Name: "no-stream", Usage: "disable streaming stats and only pull the first result"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "do not truncate output"},
			&cli.StringFlag{Name: "format", Usage: "format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"},
			latestFlag(),
		}
	})
}

// statsTargets are the named containers, or all running (all with -a).
func statsTargets(c *cli.Context) ([]*container.Container, error) {
	e := engineFrom(c)
	if c.NArg() > 0 || c.Bool("latest") {
		refs, err := targets(c)
		if err != nil {
			return nil, err
		}
		var out []*container.Container
		for _, ref := range refs {
			ctr, err := container.Lookup(e, ref)
			if err != nil {
				return nil, err
			}
			out = append(out, ctr)
		}
		return out, nil
	}
	all, err := container.List(e)
	if err != nil {
		return nil, err
	}
	var out []*container.Container
	for _, ctr := range all {
		if c.Bool("all") || ctr.State.Running() {
			out = append(out, ctr)
		}
	}
	return out, nil
}

func printStats(c *cli.Context, ctrs []*container.Container, prev, cur map[string]*container.Stats) error {
	l, err := format.NewLister(c.App.Writer, c.String("format"), statsTable, statsHeaders())
	if err != nil {
		return err
	}
	for _, ctr := range ctrs {
		s := cur[ctr.ID]
		if s == nil {
			continue
		}
		id := ctr.ID
		if !c.Bool("no-trunc") {
			id = ctr.ShortID()
		}
		row := statsRow{ID: id, Container: id, Name: ctr.Name, PIDs: "0",
			CPUPerc: "0.00%", MemPerc: "0.00%", MemUsage: "0B / 0B", NetIO: "0B / 0B", BlockIO: "0B / 0B"}
		if ctr.State.Running() {
			memPerc := 0.0
			if s.MemLimit > 0 {
				memPerc = float64(s.MemUsage) / float64(s.MemLimit) * 100
			}
			row.CPUPerc = fmt.Sprintf("%.2f%%", container.CPUPercent(prev[ctr.ID], s))
			row.MemUsage = units.BytesSize(float64(s.MemUsage)) + " / " + units.BytesSize(float64(s.MemLimit))
			row.MemPerc = fmt.Sprintf("%.2f%%", memPerc)
			row.NetIO = units.HumanSizeWithPrecision(float64(s.NetRx), 3) + " / " + units.HumanSizeWithPrecision(float64(s.NetTx), 3)
			row.BlockIO = units.HumanSizeWithPrecision(float64(s.BlockRead), 3) + " / " + units.HumanSizeWithPrecision(float64(s.BlockWrite), 3)
			row.PIDs = fmt.Sprint(s.Pids)
		}
		if err := l.Row(row); err != nil {
			return err
		}
	}
	return l.Flush()
}
