package commands

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/events"
)

func composeConfigCommand() *cli.Command {
	return deferred(&cli.Command{
		Name: "config", Aliases: []string{"convert"}, Usage: "Parse, resolve and render compose file in canonical format", ArgsUsage: "[SERVICE...]",
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			if c.NArg() > 0 {
				sel, err := p.WithSelectedServices(c.Args().Slice())
				if err != nil {
					return err
				}
				p.Project = sel
			}
			w := c.App.Writer
			lines := func(items []string) error {
				for _, s := range items {
					fmt.Fprintln(w, s)
				}
				return nil
			}
			switch {
			case c.Bool("quiet"):
				return nil
			case c.Bool("services"):
				return lines(p.ServiceNames())
			case c.Bool("volumes"):
				return lines(slices.Sorted(maps.Keys(p.Volumes)))
			case c.Bool("networks"):
				return lines(slices.Sorted(maps.Keys(p.Networks)))
			case c.Bool("profiles"):
				return lines(p.AllServices().GetProfiles())
			case c.Bool("images"):
				return lines(p.Images())
			}
			var out []byte
			switch c.String("format") {
			case "json":
				out, err = p.MarshalJSON()
			case "yaml":
				out, err = p.MarshalYAML()
			default:
				return usageErr(c, "invalid --format %q: use yaml or json", c.String("format"))
			}
			if err != nil {
				return err
			}
			if f := c.String("output"); f != "" {
				return os.WriteFile(f, out, 0o644)
			}
			_, err = w.Write(out)
			return err
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "yaml", Usage: "format the output: yaml or json"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only validate the configuration, don't print anything"},
			&cli.BoolFlag{Name: "services", Usage: "print the service names, one per line"},
			&cli.BoolFlag{Name: "volumes", Usage: "print the volume names, one per line"},
			&cli.BoolFlag{Name: "networks", Usage: "print the network names, one per line"},
			&cli.BoolFlag{Name: "images", Usage: "print the image names, one per line"},
			&cli.BoolFlag{Name: "profiles", Usage: "print the profile names, one per line"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "save to file (default to stdout)"},
		}
	})
}

func composeBuildCommand() *cli.Command {
	return &cli.Command{
		Name: "build", Usage: "Build or rebuild services", ArgsUsage: "[SERVICE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-cache", Usage: "do not use cache when building the image"},
			&cli.BoolFlag{Name: "pull", Usage: "always attempt to pull a newer version of the image"},
			&cli.StringSliceFlag{Name: "build-arg", Usage: "set build-time variables for services"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "don't print anything to STDOUT"},
		},
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			o := compose.BuildOptions{NoCache: c.Bool("no-cache"), Pull: c.Bool("pull"), Args: map[string]string{},
				Out: c.App.Writer, Warn: c.App.ErrWriter}
			if c.Bool("quiet") {
				o.Out = nil
			}
			for _, a := range c.StringSlice("build-arg") {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					if v, ok = os.LookupEnv(k); !ok {
						continue
					}
				}
				o.Args[k] = v
			}
			return p.Build(c.Context, engineFrom(c), c.Args().Slice(), o)
		},
	}
}

func composePullCommand() *cli.Command {
	return &cli.Command{
		Name: "pull", Usage: "Pull service images", ArgsUsage: "[SERVICE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "ignore-pull-failures", Usage: "pull what it can and ignores images with pull failures"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "pull without printing progress information"},
		},
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			return p.Pull(c.Context, engineFrom(c), c.Args().Slice(), compose.PullOptions{
				IgnoreFailures: c.Bool("ignore-pull-failures"), Quiet: c.Bool("quiet"), Progress: composeProgress(c)})
		},
	}
}

func composePushCommand() *cli.Command {
	return &cli.Command{
		Name: "push", Usage: "Push service images", ArgsUsage: "[SERVICE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "ignore-push-failures", Usage: "push what it can and ignores images with push failures"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "push without printing progress information"},
		},
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			w := composeProgress(c)
			if c.Bool("quiet") {
				w = nil
			}
			return p.Push(c.Context, engineFrom(c), c.Args().Slice(), c.Bool("ignore-push-failures"), w)
		},
	}
}

func composeEventsCommand() *cli.Command {
	return &cli.Command{
		Name: "events", Usage: "Receive real time events from containers", ArgsUsage: "[SERVICE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "output events as a stream of json objects"},
			&cli.StringFlag{Name: "since", Usage: "show all events created since timestamp"},
			&cli.StringFlag{Name: "until", Usage: "stream events until this timestamp"},
		},
		Action: func(c *cli.Context) error {
			since, until, err := timeRange(c)
			if err != nil {
				return err
			}
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			filter, err := events.ParseFilter([]string{"label=" + compose.LabelProject + "=" + p.Name})
			if err != nil {
				return err
			}
			services := c.Args().Slice()
			return events.Read(c.Context, engineFrom(c), events.ReadOptions{Since: since, Until: until, Filter: filter}, func(ev *events.Event) error {
				svc := ev.Actor.Attributes[compose.LabelService]
				if ev.Type != "container" || (len(services) > 0 && !slices.Contains(services, svc)) {
					return nil
				}
				if c.Bool("json") {
					return json.NewEncoder(c.App.Writer).Encode(composeEvent{
						Time: time.Unix(0, ev.TimeNano).UTC(), Type: ev.Type, Action: ev.Action,
						ID: ev.Actor.ID, Service: svc, Attributes: ev.Actor.Attributes,
					})
				}
				var b strings.Builder
				if err := printEvent(&b, ev); err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, b.String())
				return nil
			})
		},
	}
}

// composeEvent is an event as docker compose's events --json prints it.
type composeEvent struct {
	Time       time.Time         `json:"time"`
	Type       string            `json:"type"`
	Action     string            `json:"action"`
	ID         string            `json:"id"`
	Service    string            `json:"service"`
	Attributes map[string]string `json:"attributes"`
}

func composeVersionCommand() *cli.Command {
	return &cli.Command{
		Name: "version", Usage: "Show the Docker Compose version information",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "format the output: pretty or json"},
			&cli.BoolFlag{Name: "short", Usage: "shows only Compose's version number"},
		},
		Action: func(c *cli.Context) error {
			switch {
			case c.Bool("short"):
				fmt.Fprintln(c.App.Writer, compose.Version)
			case c.String("format") == "json":
				fmt.Fprintf(c.App.Writer, "{\"version\":\"v%s\"}\n", compose.Version)
			default:
				fmt.Fprintf(c.App.Writer, "Docker Compose version v%s\n", compose.Version)
			}
			return nil
		},
	}
}
