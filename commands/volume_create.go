package commands

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/labels"
	"github.com/skiff-containers/skiff/runtime/volume"
)

func volumeCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "Create a volume",
		ArgsUsage: "[VOLUME]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "driver", Aliases: []string{"d"}, Value: "local", Usage: "Specify volume driver name"},
			&cli.StringSliceFlag{Name: "label", Usage: "Set metadata for a volume"},
			&cli.StringSliceFlag{Name: "opt", Aliases: []string{"o"}, Usage: "Set driver specific options (type=tmpfs|none, device=, o=)"},
			&cli.StringFlag{Name: "name", Hidden: true, Usage: "Specify volume name"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 1); err != nil {
				return err
			}
			name := c.Args().First()
			if n := c.String("name"); n != "" {
				if name != "" && name != n {
					return errdefs.Invalid("conflicting options: either specify --name or provide positional arg, not both")
				}
				name = n
			}
			lbls, err := labels.Parse(c.StringSlice("label"))
			if err != nil {
				return err
			}
			opts, err := parseVolumeOpts(c.StringSlice("opt"))
			if err != nil {
				return err
			}
			v, err := volume.Create(engineFrom(c), volume.CreateOptions{
				Name: name, Driver: c.String("driver"), Labels: lbls, Options: opts,
			})
			if err != nil {
				return err
			}
			printOut(c, v.Name)
			return nil
		},
	}
}

// parseVolumeOpts reads --opt key=value pairs.
func parseVolumeOpts(in []string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, o := range in {
		k, v, ok := strings.Cut(o, "=")
		if !ok || k == "" {
			return nil, errdefs.Invalid("invalid argument %q for \"-o, --opt\" flag: use key=value", o)
		}
		out[k] = v
	}
	return out, nil
}
