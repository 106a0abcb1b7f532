package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/image"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "Return low-level information on skiff objects",
		ArgsUsage: "NAME|ID [NAME|ID...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Format output using a custom template: 'json' or a Go template"},
			&cli.BoolFlag{Name: "size", Aliases: []string{"s"}, Usage: "Display total file sizes if the type is container"},
			&cli.StringFlag{Name: "type", Usage: "Only inspect objects of the given type (container, image or network)"},
			latestFlag(),
		},
		Action: func(c *cli.Context) error {
			names, err := targets(c)
			if err != nil {
				return err
			}
			kind := c.String("type")
			if kind == "all" { // podman's name for any type
				kind = ""
			}
			if kind != "" && kind != "container" && kind != "image" && kind != "network" {
				return errdefs.Invalid("%q is not a valid value for --type: use container, image or network", kind)
			}
			return inspectObjects(c, names, func(name string) (any, error) {
				return inspectAny(c, kind, name)
			})
		},
	}
}

// inspectAny finds name as docker does: a container first, then an image,
// then a network, unless --type narrows it.
func inspectAny(c *cli.Context, kind, name string) (any, error) {
	if kind == "network" {
		return inspectNetwork(c, name)
	}
	if kind == "" || kind == "container" {
		obj, err := inspectContainer(c, name, c.Bool("size"))
		if err == nil || !isNotFound(err) || kind == "container" {
			return obj, err
		}
	}
	obj, err := image.Inspect(c.Context, engineFrom(c), name)
	if err != nil && isNotFound(err) && kind == "" {
		if obj, err := inspectNetwork(c, name); err == nil || !isNotFound(err) {
			return obj, err
		}
		return nil, errdefs.NoSuchObject(name)
	}
	return obj, err
}
