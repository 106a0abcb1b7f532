package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/runtime/image"
)

func imageInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "Display detailed information on one or more images",
		ArgsUsage: "IMAGE [IMAGE...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Format output using a custom template: 'json' or a Go template"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			return inspectObjects(c, c.Args().Slice(), func(name string) (any, error) {
				return image.Inspect(c.Context, engineFrom(c), name)
			})
		},
	}
}

// inspectObjects looks up every name and prints what was found as
// docker's JSON array, or through --format one line per object; names
// not found are reported on stderr and make the command fail at the end.
func inspectObjects(c *cli.Context, names []string, lookup func(string) (any, error)) error {
	tmpl := strings.TrimSpace(c.String("format"))
	if tmpl != "" && tmpl != "json" {
		if _, err := format.Parse(tmpl); err != nil {
			return errdefs.Invalid("%v", err)
		}
	}
	var found []any
	var errs []error
	for _, n := range names {
		obj, err := lookup(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		found = append(found, obj)
	}
	var err error
	if tmpl == "" || tmpl == "json" {
		if found == nil {
			found = []any{}
		}
		err = format.JSONArray(c.App.Writer, found)
	} else {
		for _, obj := range found {
			if err = format.Object(c.App.Writer, tmpl, obj); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	for _, e := range errs {
		fmt.Fprintf(c.App.ErrWriter, "Error: %s\n", errdefs.Line(e.Error()))
	}
	if len(errs) > 0 {
		return &errdefs.ExitCodeError{Code: errdefs.ExitSkiff}
	}
	return nil
}

// isNotFound reports a lookup that found nothing (as opposed to failing).
func isNotFound(err error) bool {
	return errors.Is(err, errdefs.ErrNotFound)
}
