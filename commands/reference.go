package commands

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// WriteReference writes the command reference (docs/reference.md) from
// the command tree itself, so the document cannot drift from --help.
func WriteReference(w io.Writer) {
	app := NewApp("skiff")
	fmt.Fprintln(w, "# skiff command reference")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated from the command definitions (`UPDATE_GOLDEN=1 go test ./commands -run TestReference`).")
	fmt.Fprintln(w, "Started as `docker` (a symlink), skiff answers to that name.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Global options")
	fmt.Fprintln(w)
	writeFlags(w, app.Flags)
	var walkRef func(path string, cmds []*cli.Command)
	walkRef = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden || c.Name == "help" {
				continue
			}
			full := path + " " + c.Name
			fmt.Fprintf(w, "## %s\n\n%s\n\n", full, c.Usage)
			if len(c.Aliases) > 0 {
				fmt.Fprintf(w, "Aliases: `%s`\n\n", strings.Join(c.Aliases, "`, `"))
			}
			if len(c.Subcommands) == 0 {
				fmt.Fprintf(w, "Usage: `%s [OPTIONS] %s`\n\n", full, c.ArgsUsage)
			}
			writeFlags(w, c.Flags)
			walkRef(full, c.Subcommands)
		}
	}
	walkRef("skiff", app.Commands)
}

func writeFlags(w io.Writer, flags []cli.Flag) {
	var rows []string
	for _, f := range flags {
		names := f.Names()
		if names[0] == "help" {
			continue
		}
		var forms []string
		for _, n := range names {
			if len(n) == 1 {
				forms = append(forms, "-"+n)
			} else {
				forms = append(forms, "--"+n)
			}
		}
		usage, def := "", ""
		if df, ok := f.(cli.DocGenerationFlag); ok {
			usage = df.GetUsage()
			if v := df.GetDefaultText(); v != "" && v != `""` && v != "false" && v != "0" {
				def = " (default: " + v + ")"
			}
			if v := df.GetValue(); def == "" && v != "" && v != "false" && v != "0" {
				def = " (default: " + v + ")"
			}
		}
		rows = append(rows, fmt.Sprintf("| `%s` | %s%s |", strings.Join(forms, "`, `"), strings.ReplaceAll(usage, "|", "\\|"), def))
	}
	if len(rows) == 0 {
		return
	}
	sort.Strings(rows)
	fmt.Fprintln(w, "| option | meaning |")
	fmt.Fprintln(w, "|---|---|")
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
	fmt.Fprintln(w)
}
