package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/runtime/volume"
)

func volumeRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "Remove one or more volumes",
		ArgsUsage: "VOLUME [VOLUME...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Force the removal of one or more volumes (volumes that do not exist are not an error; volumes in use are refused, or, invoked as podman, their containers removed first)"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "Remove all volumes"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "Ignore errors when a specified volume does not exist"},
			&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Usage: "Seconds to wait for the running containers --force removes to stop before killing them (podman's)", DefaultText: "each container's stop timeout"},
		},
		Action: func(c *cli.Context) error {
			names, err := volumesToRemove(c)
			if err != nil {
				return err
			}
			force := c.Bool("force")
			o := volume.RemoveOptions{Force: force, RemoveUsers: force && dialect.Current().ForceRemovesUsers}
			if c.IsSet("time") && !o.RemoveUsers {
				return usageErr(c, "--time applies to the containers that --force removes (podman's volume rm): invoke skiff as podman")
			}
			o.StopUsers = forceStop(c)
			return bulk(c, names, func(name string) error {
				if err := volume.Remove(engineFrom(c), name, o); err != nil {
					return err
				}
				printOut(c, name)
				return nil
			})
		},
	}
}

// volumesToRemove are volume rm's arguments, or with --all every volume.
func volumesToRemove(c *cli.Context) ([]string, error) {
	return argsOrAll(c, "volume", func() ([]string, error) {
		list, err := volume.List(engineFrom(c), volume.ListOptions{})
		names := make([]string, len(list))
		for i, v := range list {
			names[i] = v.Name
		}
		return names, err
	})
}
