package commands

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/urfave/cli/v2"
)

// helpWidth is where help text wraps, as docker wraps it on a pipe.
const helpWidth = 80

// printHelp is cli.HelpPrinter: docker's layout (Usage, the description,
// Aliases, Options with their types and defaults), then one line naming
// the docker flags skiff refuses and why.
func printHelp(w io.Writer, _ string, data any) {
	switch d := data.(type) {
	case *cli.App:
		appHelp(w, d)
	case *cli.Command:
		commandHelp(w, d)
	}
}

func appHelp(w io.Writer, app *cli.App) {
	fmt.Fprintf(w, "Usage:  %s [OPTIONS] COMMAND\n\n%s\n\n", app.Name, capitalize(app.Usage))
	var verbs, groups []*cli.Command
	for _, c := range app.Commands {
		switch {
		case c.Hidden || c.Name == "help":
		case len(c.Subcommands) > 0:
			groups = append(groups, c)
		default:
			verbs = append(verbs, c)
		}
	}
	writeCommandList(w, "Management Commands", groups)
	writeCommandList(w, "Commands", verbs)
	fmt.Fprintln(w, "Global Options:")
	writeOptions(w, "", app.Flags)
	fmt.Fprintf(w, "\nRun '%s COMMAND --help' for more information on a command.\n", app.Name)
}

func commandHelp(w io.Writer, c *cli.Command) {
	full := c.HelpName // "skiff container run", set by urfave/cli
	prog, path, _ := strings.Cut(full, " ")
	if len(c.Subcommands) > 0 {
		opts := ""
		if visibleFlags(c.Flags) > 0 {
			opts = " [OPTIONS]"
		}
		fmt.Fprintf(w, "Usage:  %s%s COMMAND\n\n%s\n\n", full, opts, capitalize(c.Usage))
		writeCommandList(w, "Commands", c.Subcommands)
		if opts != "" {
			fmt.Fprintln(w, "Options:")
			writeOptions(w, path, c.Flags)
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Run '%s COMMAND --help' for more information on a command.\n", full)
		return
	}
	usage := full
	if visibleFlags(c.Flags) > 0 {
		usage += " [OPTIONS]"
	}
	if c.ArgsUsage != "" {
		usage += " " + c.ArgsUsage
	}
	fmt.Fprintf(w, "Usage:  %s\n\n%s\n", usage, capitalize(c.Usage))
	if c.Description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Description))
	}
	node, ok := FindNode(Tree(NewApp(prog)), path)
	if ok && len(node.Paths) > 1 {
		fmt.Fprintf(w, "\nAliases:\n  %s\n", strings.Join(aliasLine(prog, node.Paths), ", "))
	}
	if visibleFlags(c.Flags) > 0 {
		canonical := path
		if ok {
			canonical = node.Paths[0]
		}
		fmt.Fprint(w, "\nOptions:\n")
		writeOptions(w, canonical, c.Flags)
	}
	if ok {
		if line := refusedLine(node.Paths[0]); line != "" {
			fmt.Fprintf(w, "\n%s\n", line)
		}
	}
}

// aliasLine lists a command's paths as docker does: the management
// command forms first (`docker container rm, docker container remove,
// docker rm`).
func aliasLine(prog string, paths []string) []string {
	var long, short []string
	for _, p := range paths {
		if strings.Contains(p, " ") {
			long = append(long, prog+" "+p)
		} else {
			short = append(short, prog+" "+p)
		}
	}
	return append(long, short...)
}

func writeCommandList(w io.Writer, title string, cmds []*cli.Command) {
	var shown []*cli.Command
	width := 0
	for _, c := range cmds {
		if c.Hidden || c.Name == "help" {
			continue
		}
		shown = append(shown, c)
		width = max(width, len(c.Name))
	}
	if len(shown) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, c := range shown {
		fmt.Fprintf(w, "  %-*s  %s\n", max(width, 10), c.Name, capitalize(c.Usage))
	}
	fmt.Fprintln(w)
}

func visibleFlags(flags []cli.Flag) int {
	n := 0
	for _, f := range flags {
		if helpShows(f) {
			n++
		}
	}
	return n
}

// helpShows reports whether --help lists f (not --help itself, nor
// hidden flags).
func helpShows(f cli.Flag) bool {
	if f.Names()[0] == "help" {
		return false
	}
	if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
		return false
	}
	return true
}

// writeOptions prints flags as docker's (pflag's) help does: short form,
// long form and type on the left, the usage wrapped on the right,
// sorted by long name.
func writeOptions(w io.Writer, path string, flags []cli.Flag) {
	type row struct{ name, left, usage string }
	var rows []row
	width := 0
	for _, f := range flags {
		if !helpShows(f) {
			continue
		}
		short, long := flagForms(f)
		left := "      --" + long
		if short != "" {
			left = "  -" + short + ", --" + long
		}
		if t := FlagType(path, f); t != "" {
			left += " " + t
		}
		rows = append(rows, row{long, left, FlagUsage(f)})
		width = max(width, len(left))
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.name, b.name) })
	for _, r := range rows {
		lines := wrap(r.usage, helpWidth-width-3)
		fmt.Fprintf(w, "%-*s   %s\n", width, r.left, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "%*s   %s\n", width, "", l)
		}
	}
}

// flagForms returns a flag's one-letter name (if any) and its long name
// (the first long one).
func flagForms(f cli.Flag) (short, long string) {
	for _, n := range f.Names() {
		switch {
		case len(n) == 1 && short == "":
			short = n
		case len(n) > 1 && long == "":
			long = n
		}
	}
	if long == "" {
		long, short = short, ""
	}
	return short, long
}

// FlagUsage is a flag's help text as --help, the man pages and the
// completions show it: capitalized as docker's, its other long names
// (`--net`) and its default when it has one.
func FlagUsage(f cli.Flag) string {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return ""
	}
	usage := capitalize(strings.ReplaceAll(df.GetUsage(), "`", ""))
	if def := FlagDefault(f); def != "" {
		usage += " (default " + def + ")"
	}
	return usage
}

// FlagDefault is the default a flag shows, or "" when it is the zero value
// (false, 0, "", []) as docker's help omits those.
func FlagDefault(f cli.Flag) string {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return ""
	}
	def := df.GetDefaultText()
	if def == "" {
		def = df.GetValue()
	}
	switch def {
	case "", `""`, "false", "0", "[]":
		return ""
	}
	return def
}

// FlagType is the word --help shows after a flag that takes a value, as
// docker names it ("string", "list", "int", "duration", "bytes"...);
// "" for a boolean.
func FlagType(path string, f cli.Flag) string {
	name := f.Names()[0]
	if t, ok := flagTypes()[path+" --"+name]; ok {
		return t
	}
	if t, ok := flagTypes()["--"+name]; ok {
		return t
	}
	switch f.(type) {
	case *cli.BoolFlag:
		return ""
	case *cli.StringSliceFlag:
		return "list"
	case *cli.IntFlag, *cli.Int64Flag:
		return "int"
	case *cli.UintFlag, *cli.Uint64Flag:
		return "uint"
	case *cli.DurationFlag:
		return "duration"
	case *cli.Float64Flag:
		return "float"
	}
	return "string"
}

// flagTypes are the type words that differ from the Go type's, as docker
// shows them: by flag name, or by "command-path --flag" where one command
// differs.
var flagTypes = lazy.Value(func() map[string]string {
	return map[string]string{
		"--filter":     "filter",
		"--mount":      "mount",
		"--ulimit":     "ulimit",
		"--annotation": "map",
		"--sysctl":     "map",
		"--opt":        "map",
		"--network":    "network",
		"--shm-size":   "bytes",
		"--memory":     "bytes", "--memory-swap": "bytes", "--memory-reservation": "bytes", "--kernel-memory": "bytes",
		"--cpus": "decimal", "--cpu-shares": "int", "--cpu-period": "int", "--cpu-quota": "int",
		"--pids-limit": "int", "--memory-swappiness": "int", "--blkio-weight": "uint16",
		"build --network": "string",
	}
})

// withUsage gives the flag called name another usage, for a command
// that shares its flags with another but not the wording (create's --pull
// says "creating", push's --disable-content-trust "signing").
func withUsage(flags []cli.Flag, name, usage string) []cli.Flag {
	for _, f := range flags {
		switch f := f.(type) {
		case *cli.StringFlag:
			if f.Name == name {
				f.Usage = usage
			}
		case *cli.BoolFlag:
			if f.Name == name {
				f.Usage = usage
			}
		}
	}
	return flags
}

// capitalize makes a usage read as docker's: "Keep STDIN open".
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// wrap breaks s into lines of at most width runes, at spaces.
func wrap(s string, width int) []string {
	width = max(width, 30)
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	return append(lines, line)
}
