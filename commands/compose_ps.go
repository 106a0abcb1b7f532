package commands

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/image"
)

const composePsTable = "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}"

var composePsHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"Name": "NAME", "Image": "IMAGE", "Command": "COMMAND", "Service": "SERVICE", "RunningFor": "CREATED",
		"Status": "STATUS", "Ports": "PORTS", "ID": "CONTAINER ID", "State": "STATE", "Project": "PROJECT",
		"CreatedAt": "CREATED AT", "Health": "HEALTH", "ExitCode": "EXIT CODE", "Networks": "NETWORKS",
	}
})

// composePsRow is one container as compose ps shows it: ps's fields
// and compose's own, in {{json .}}'s alphabetical order.
type composePsRow struct {
	psRow
	ExitCode int
	Health   string
	Name     string
	Project  string
	Service  string
}

func composePsCommand() *cli.Command {
	return deferred(&cli.Command{
		Name: "ps", Usage: "List containers", ArgsUsage: "[SERVICE...]",
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			o := compose.PsOptions{Services: c.Args().Slice(), All: c.Bool("all"), Status: c.StringSlice("status")}
			for _, f := range c.StringSlice("filter") {
				v, ok := strings.CutPrefix(f, "status=")
				if !ok {
					return usageErr(c, "invalid filter %q: only status=STATUS is supported", f)
				}
				o.Status = append(o.Status, v)
			}
			cs, err := p.Ps(engineFrom(c), o)
			if err != nil {
				return err
			}
			if c.Bool("services") {
				var seen []string
				for _, ctr := range cs {
					if s := compose.ServiceOf(ctr); !slices.Contains(seen, s) {
						seen = append(seen, s)
						fmt.Fprintln(c.App.Writer, s)
					}
				}
				return nil
			}
			tmpl := c.String("format") // format.NewLister reads "json" itself
			if c.Bool("quiet") {
				tmpl = "{{.ID}}"
			}
			l, err := format.NewLister(c.App.Writer, tmpl, composePsTable, composePsHeaders())
			if err != nil {
				return err
			}
			now := time.Now()
			for _, ctr := range cs {
				r := composePsRow{psRow: newPsRow(container.Summary{Container: ctr}, !c.Bool("no-trunc") && !c.Bool("quiet"), now),
					Name: ctr.Name, Project: p.Name, Service: compose.ServiceOf(ctr), ExitCode: ctr.State.ExitCode}
				if ctr.State.Health != nil {
					r.Health = ctr.State.Health.Status
				}
				if c.Bool("quiet") || c.Bool("no-trunc") {
					r.ID = ctr.ID
				}
				if err := l.Row(r); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all stopped containers (including those created by the run command)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only display IDs"},
			&cli.BoolFlag{Name: "services", Usage: "display services"},
			&cli.StringSliceFlag{Name: "status", Usage: "filter services by status: created, restarting, running, removing, paused, exited, dead"},
			&cli.StringSliceFlag{Name: "filter", Usage: "filter services by a property (status=STATUS)"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "format the output: table, json, or a Go template"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "don't truncate output"},
		}
	})
}

func composeLsCommand() *cli.Command {
	return &cli.Command{
		Name: "ls", Usage: "List running compose projects",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all stopped Compose projects"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only display project names"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "format the output: table, json, or a Go template"},
		},
		Action: func(c *cli.Context) error {
			list, err := compose.ListProjects(engineFrom(c), c.Bool("all"))
			if err != nil {
				return err
			}
			tmpl := c.String("format")
			switch {
			case c.Bool("quiet"):
				tmpl = "{{.Name}}"
			case tmpl == "json":
				return format.JSONArray(c.App.Writer, list)
			}
			l, err := format.NewLister(c.App.Writer, tmpl, "table {{.Name}}\t{{.Status}}\t{{.ConfigFiles}}",
				map[string]string{"Name": "NAME", "Status": "STATUS", "ConfigFiles": "CONFIG FILES"})
			if err != nil {
				return err
			}
			for _, s := range list {
				if err := l.Row(s); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}
}

// composeImageRow is one line of compose images.
type composeImageRow struct {
	ContainerName, Repository, Tag, ID, Size string
}

func composeImagesCommand() *cli.Command {
	return &cli.Command{
		Name: "images", Usage: "List images used by the created containers", ArgsUsage: "[SERVICE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only display IDs"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "format the output: table, json, or a Go template"},
		},
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			cs, err := p.Ps(engineFrom(c), compose.PsOptions{Services: c.Args().Slice(), All: true})
			if err != nil {
				return err
			}
			tmpl := c.String("format") // format.NewLister reads "json" itself
			if c.Bool("quiet") {
				tmpl = "{{.ID}}"
			}
			l, err := format.NewLister(c.App.Writer, tmpl, "table {{.ContainerName}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}",
				map[string]string{"ContainerName": "CONTAINER", "Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Size": "SIZE"})
			if err != nil {
				return err
			}
			for _, ctr := range cs {
				r := composeImageRow{ContainerName: ctr.Name, ID: image.ShortID(ctr.ImageID)}
				repo, tag, _ := strings.Cut(ctr.Config.Image, ":")
				r.Repository, r.Tag = repo, tag
				if tag == "" {
					r.Tag = "latest"
				}
				if img, err := image.Inspect(c.Context, engineFrom(c), ctr.ImageID); err == nil {
					r.Size = format.HumanSize(img.Size)
				}
				if err := l.Row(r); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}
}
