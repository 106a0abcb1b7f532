package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/network"
)

var networkHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv6": "IPV6",
		"Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
	}
})

const networksTable = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"

func networkLsCommand() *cli.Command {
	return &cli.Command{
		Name:    "ls",
		Aliases: []string{"list"},
		Usage:   "List networks",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "Provide filter values (e.g. \"driver=bridge\")"},
			&cli.StringFlag{Name: "format", Usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "Do not truncate the output"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Only display network IDs"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			f, err := network.ParseFilters(c.StringSlice("filter"), network.ListFilterKeys)
			if err != nil {
				return err
			}
			e := engineFrom(c)
			nets, err := network.List(e, network.ListOptions{Filters: f, Users: container.NetworkUsers(e)})
			if err != nil {
				return err
			}
			if c.Bool("quiet") {
				for _, n := range nets {
					fmt.Fprintln(c.App.Writer, n.Row(c.Bool("no-trunc")).ID)
				}
				return nil
			}
			l, err := format.NewLister(c.App.Writer, c.String("format"), networksTable, networkHeaders())
			if err != nil {
				return err
			}
			for _, n := range nets {
				if err := l.Row(n.Row(c.Bool("no-trunc"))); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}
}
