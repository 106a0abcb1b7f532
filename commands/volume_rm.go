package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/volume"
)

func volumeRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "Remove one or more volumes",
		ArgsUsage: "VOLUME [VOLUME...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "Force the removal of one or more volumes (volumes that do not exist are not an error; volumes in use are still refused)"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			o := volume.RemoveOptions{Force: c.Bool("force")}
			return bulk(c, c.Args().Slice(), func(name string) error {
				if err := volume.Remove(engineFrom(c), name, o); err != nil {
					return err
				}
				printOut(c, name)
				return nil
			})
		},
	}
}
