package commands

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// posixArgs names the commands whose arguments after the first positional
// one belong to something else (a container's command line), so flags must
// not be gathered from there.
var posixArgs = map[string]bool{"run": true, "create": true, "exec": true}

// normalizeArgs lets flags follow positional arguments, as docker's CLI
// does (`skiff rm web -f`): for the command named in args, flags found after
// positional arguments are moved in front of them. Commands marked
// posixArgs, and everything after "--", are left alone.
func normalizeArgs(app *cli.App, args []string) []string {
	out, _ := normalize(app, args)
	return out
}

// normalize is normalizeArgs, which also returns the command the words
// select (nil for none), having built the deferred parts of each command
// on the way (expand).
func normalize(app *cli.App, args []string) ([]string, *cli.Command) {
	if len(args) < 2 {
		return args, nil
	}
	out := []string{args[0]}
	rest := args[1:]
	// global flags, then the command path
	flags := app.Flags
	cmds := app.Commands
	var leaf *cli.Command
	var path []string
	for len(rest) > 0 {
		a := rest[0]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			n := flagArity(flags, a)
			if n > len(rest) {
				n = len(rest)
			}
			out = append(out, rest[:n]...)
			rest = rest[n:]
			continue
		}
		next := findCommand(cmds, a)
		if next == nil {
			break
		}
		leaf = next
		path = append(path, next.Name)
		expand(strings.Join(path, " "), next)
		out = append(out, a)
		rest = rest[1:]
		flags, cmds = leaf.Flags, leaf.Subcommands
		if len(cmds) == 0 {
			break
		}
	}
	if leaf == nil || leaf.SkipFlagParsing {
		return append(out, rest...), leaf
	}
	// run, create, exec and their `container` forms; not `network create`
	if posixArgs[leaf.Name] && (len(path) == 1 || path[0] == "container" || path[0] == "compose") {
		return append(out, canonicalLeadingFlags(flags, rest)...), leaf
	}
	var fl, pos []string
	for len(rest) > 0 {
		a := rest[0]
		if a == "--" {
			pos = append(pos, rest...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			words, n := canonicalFlagWords(flags, rest)
			fl = append(fl, words...)
			rest = rest[n:]
			continue
		}
		pos = append(pos, a)
		rest = rest[1:]
	}
	out = append(out, fl...)
	return append(out, pos...), leaf
}

// canonicalFlag writes a flag word under the flag's main name ("-c x" ->
// "--change x", "--env=A" stays): urfave/cli refuses a flag given under
// two of its names ("Cannot use two forms of the same flag"), which docker
// users do (`-e A --env B`). Combined short flags ("-it") stay as typed.
func canonicalFlag(flags []cli.Flag, a string) string {
	name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
	if !strings.HasPrefix(a, "--") && len(name) > 1 {
		return a
	}
	f := lookupFlag(flags, name)
	if f == nil || f.Names()[0] == name {
		return a
	}
	out := "--" + f.Names()[0]
	if hasValue {
		out += "=" + value
	}
	return out
}

// canonicalLeadingFlags canonicalizes the flags before the first
// positional argument and leaves the rest (a container's command) as is.
func canonicalLeadingFlags(flags []cli.Flag, args []string) []string {
	out := make([]string, 0, len(args))
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" && args[0] != "--" {
		words, n := canonicalFlagWords(flags, args)
		out = append(out, words...)
		args = args[n:]
	}
	return append(out, args...)
}

// canonicalFlagWords rewrites the flag at args[0], with its value, in the
// form urfave/cli parses, and says how many words of args it used.
// Combined short flags are split as docker's flag parser reads them: bools
// one by one, and the first flag that takes a value takes the rest of the
// word ("-dp8080:80", "-eA=1", "-t0") or, when nothing is left, the next
// word ("-dp 80"). A word with an unknown letter stays as typed, for
// urfave/cli's error.
func canonicalFlagWords(flags []cli.Flag, args []string) ([]string, int) {
	a := args[0]
	name := a[1:]
	if strings.HasPrefix(a, "--") || len(name) < 2 {
		n := min(flagArity(flags, a), len(args))
		return append([]string{canonicalFlag(flags, a)}, args[1:n]...), n
	}
	var out []string
	for i := 0; i < len(name); i++ {
		f := lookupFlag(flags, name[i:i+1])
		if f == nil {
			n := min(flagArity(flags, a), len(args))
			return append([]string{a}, args[1:n]...), n
		}
		long := "--" + f.Names()[0]
		rest := name[i+1:]
		if isBool(f) {
			if strings.HasPrefix(rest, "=") { // -t=false
				return append(out, long+rest), 1
			}
			out = append(out, long)
			continue
		}
		if rest = strings.TrimPrefix(rest, "="); rest != "" {
			return append(out, long, rest), 1
		}
		if len(args) > 1 {
			return append(out, long, args[1]), 2
		}
		return append(out, long), 1
	}
	return out, 1
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// flagArity is how many words the flag word a takes (1, or 2 when its
// value is the next word).
func flagArity(flags []cli.Flag, a string) int {
	if strings.Contains(a, "=") {
		return 1
	}
	name := strings.TrimLeft(a, "-")
	single := !strings.HasPrefix(a, "--")
	if single && len(name) > 1 {
		// -abc: bools combined, or -p8080 with its value attached
		f := lookupFlag(flags, name[:1])
		if f == nil || isBool(f) {
			// all bools, but the last may take a value: -dp 80
			if last := lookupFlag(flags, name[len(name)-1:]); last != nil && !isBool(last) {
				return 2
			}
			return 1
		}
		return 1
	}
	f := lookupFlag(flags, name)
	if f == nil || isBool(f) {
		return 1
	}
	return 2
}

func lookupFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	if name == "help" || name == "h" {
		return &cli.BoolFlag{Name: "help"}
	}
	return nil
}

func isBool(f cli.Flag) bool {
	switch f.(type) {
	case *cli.BoolFlag:
		return true
	}
	if df, ok := f.(cli.DocGenerationFlag); ok {
		return !df.TakesValue()
	}
	return false
}
