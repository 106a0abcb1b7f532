package commands

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// WriteReference writes the command reference (docs/reference.md) from
// the command tree itself, so the document cannot drift from --help: each
// command once, under its canonical path, with the other paths that run
// it, its options as --help shows them, and what skiff refuses.
func WriteReference(w io.Writer) {
	app := NewApp("skiff")
	fmt.Fprintln(w, "# skiff command reference")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated from the command definitions (`UPDATE_GOLDEN=1 go test ./commands -run TestReference`).")
	fmt.Fprintln(w, "Started as `docker` (a symlink), skiff answers to that name. Each command has a man page,")
	fmt.Fprintln(w, "`man skiff-run`, from docs/man.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Global options")
	fmt.Fprintln(w)
	writeFlags(w, "", app.Flags)
	for _, n := range Tree(app) {
		if n.Path != n.Paths[0] {
			continue // documented under its canonical path
		}
		c := n.Command
		fmt.Fprintf(w, "## skiff %s\n\n%s\n\n", n.Path, capitalize(c.Usage))
		if len(n.Paths) > 1 {
			fmt.Fprintf(w, "Also: `skiff %s`\n\n", strings.Join(n.Paths[1:], "`, `skiff "))
		}
		if n.Leaf() {
			fmt.Fprintf(w, "Usage: `skiff %s [OPTIONS] %s`\n\n", n.Path, c.ArgsUsage)
		}
		writeFlags(w, n.Path, c.Flags)
		if line := refusedLine(n.Path); line != "" {
			fmt.Fprintf(w, "%s\n\n", line)
		}
	}
}

func writeFlags(w io.Writer, path string, flags []cli.Flag) {
	type row struct{ name, text string }
	var rows []row
	for _, f := range flags {
		if !helpShows(f) {
			continue
		}
		var forms []string
		for _, n := range f.Names() {
			if len(n) == 1 {
				forms = append(forms, "-"+n)
			} else {
				forms = append(forms, "--"+n)
			}
		}
		typ := FlagType(path, f)
		if typ != "" {
			typ = " *" + typ + "*"
		}
		_, long := flagForms(f)
		rows = append(rows, row{long, fmt.Sprintf("| `%s`%s | %s |", strings.Join(forms, "`, `"), typ, strings.ReplaceAll(FlagUsage(f), "|", "\\|"))})
	}
	if len(rows) == 0 {
		return
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	fmt.Fprintln(w, "| option | meaning |")
	fmt.Fprintln(w, "|---|---|")
	for _, r := range rows {
		fmt.Fprintln(w, r.text)
	}
	fmt.Fprintln(w)
}
