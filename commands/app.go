// Package commands defines skiff's command line: urfave/cli/v2 commands that
// turn flags into an Options struct, make one library call and print the
// result. Only this package (and main) talks to the terminal. It writes no
// state itself: the verbs of runtime/ open the store, check usage and
// record events (it must not import storage).
package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/internal/version"
	"github.com/skiff-containers/skiff/runtime/container"
)

// Run is skiff's CLI entry point: it runs the command in args (args[0] is
// the program name, which decides whether skiff calls itself docker or
// podman, and which dialect it speaks: internal/dialect) and returns the
// process exit code.
func Run(ctx context.Context, args []string) int {
	dialect.Set(dialect.ForProgram(args[0]))
	app := newApp(appName(args[0]))
	if filepath.Base(args[0]) == "docker-compose" {
		// the standalone docker-compose is `docker compose` (after
		// skiff's own global flags, if any)
		i := 1
		for i < len(args) && strings.HasPrefix(args[i], "--") && lookupFlag(app.Flags, strings.TrimLeft(strings.SplitN(args[i], "=", 2)[0], "-")) != nil {
			i += flagArity(app.Flags, args[i])
		}
		i = min(i, len(args))
		args = append(append(slices.Clone(args[:i]), "compose"), args[i:]...)
	}
	if len(args) == 2 && args[1] == "-h" {
		args = []string{args[0], "--help"} // docker's top-level -h
	}
	args, leaf := normalize(app, args)
	if needsWholeTree(leaf, args) {
		expandAll("", app.Commands)
	}
	err := app.RunContext(ctx, args)
	return report(app.ErrWriter, app.Name, err)
}

// appName is the name skiff answers to: "docker" or "podman" when started
// through a link of that name (docker-compose is docker's standalone
// compose), else "skiff".
func appName(argv0 string) string {
	for _, name := range []string{"docker", "podman"} {
		if strings.HasPrefix(filepath.Base(argv0), name) {
			return name
		}
	}
	return "skiff"
}

// versionLine is --version's line in the words of the program skiff is
// called as: docker's "Docker version X, build Y", podman's "podman
// version X", skiff's own "skiff version X, build Y".
func versionLine(name string) string {
	switch name {
	case "docker":
		return fmt.Sprintf("Docker version %s, build %s", version.Version, version.GitCommit())
	case "podman":
		return "podman version " + version.Version
	}
	return fmt.Sprintf("%s version %s, build %s", name, version.Version, version.GitCommit())
}

// NewApp builds the whole command tree afresh (tests build their own).
func NewApp(name string) *cli.App {
	app := newApp(name)
	expandAll("", app.Commands)
	return app
}

// newApp is the app with its commands' deferred parts not built and the
// commands not finished yet (lazytree.go).
func newApp(name string) *cli.App {
	app := &cli.App{
		Name:                      name,
		HelpName:                  name,
		Usage:                     "run containers without a daemon, rootless or as root",
		Version:                   version.Version,
		Flags:                     globalFlags(),
		Commands:                  topCommands(),
		UseShortOptionHandling:    true,
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           false,
		EnableBashCompletion:      true,
		Before:                    setupGlobals,
		After:                     teardownGlobals,
		ExitErrHandler:            func(*cli.Context, error) {},
		Writer:                    os.Stdout,
		ErrWriter:                 os.Stderr,
		OnUsageError:              usageError,
		Action:                    unknownSubcommand,
	}
	// -h is run's --hostname, as in docker: help is --help everywhere.
	cli.HelpFlag = &cli.BoolFlag{Name: "help", Usage: "show help"}
	cli.HelpPrinter = printHelp
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, versionLine(c.App.Name)) }
	return app
}

// finish makes cmd, the command at path, ready to run once its parts are
// built (expand calls it once a command): the dialect's short flag
// names, skiff's usage errors, and the rest below.
func finish(path string, cmd *cli.Command) {
	applyShorthands(cmd, dialect.Current().Shorthands[path])
	if cmd.OnUsageError == nil {
		cmd.OnUsageError = usageError
	}
	if cmd.Subcommands != nil && cmd.Action == nil {
		cmd.Action = unknownSubcommand
	}
	if len(cmd.Subcommands) == 0 {
		// urfave/cli gives every command a "help" (alias "h")
		// subcommand, which would swallow a container or image named
		// h or help (`skiff rm h`); --help stays.
		cmd.HideHelpCommand = true
		cachedFlagNames(cmd)
	}
}

// cachedFlagNames lets urfave/cli run cmd's flag actions without a cost
// quadratic in its flags. After Before, it runs every flag's action if the
// flag is set, asking IsSet of each name of each flag; for a flag not
// given, IsSet looks the name up in every flag's Names(), and Names() of
// its flag types strips each name with a regular expression and
// allocates: for create and run's 140 flags, about 14,000 of them per
// command, an eighth of a create's CPU (issue #18). So from Before to
// the action, cmd's flags are stood in for by the same flags with their
// names worked out once (namedFlag); the action gets the flags back
// before it runs, so that help, the option readers and everything else
// see urfave/cli's own types.
func cachedFlagNames(cmd *cli.Command) {
	if cmd.Action == nil || len(cmd.Flags) == 0 {
		return
	}
	before, action := cmd.Before, cmd.Action
	var saved []cli.Flag
	cmd.Before = func(c *cli.Context) error {
		if before != nil {
			if err := before(c); err != nil {
				return err
			}
		}
		saved = cmd.Flags
		named := make([]cli.Flag, len(saved))
		for i, f := range saved {
			named[i] = namedFlag{Flag: f, names: f.Names()}
		}
		cmd.Flags = named
		return nil
	}
	cmd.Action = func(c *cli.Context) error {
		if saved != nil {
			local := map[string]bool{}
			for _, f := range cmd.Flags {
				for _, n := range f.Names() {
					local[n] = true
				}
			}
			c.Context = context.WithValue(c.Context, localFlagsKey{}, local)
			cmd.Flags, saved = saved, nil
		}
		return action(c)
	}
}

// localFlagsKey keys the names of the running command's own flags in its
// context (cachedFlagNames), for optionFlags.
type localFlagsKey struct{}

// optionFlags is c for the option readers (container.Flags), with IsSet
// answered without urfave/cli's lookup: for a flag not given, IsSet scans
// every flag of the command and each Names(), a regular expression per
// name (run and create ask it some thirty times of their 140 flags: 9 %
// of a create's allocations, issue #18). A flag of the command's own is
// set when it was given under any of its names (urfave/cli then sets all
// of them) or from the environment, which is what LocalFlagNames lists;
// any other name (the global flags) is urfave/cli's to answer.
func optionFlags(c *cli.Context) container.Flags {
	local, _ := c.Context.Value(localFlagsKey{}).(map[string]bool)
	if local == nil {
		return c
	}
	set := map[string]bool{}
	for _, n := range c.LocalFlagNames() {
		set[n] = true
	}
	return quickIsSet{Context: c, local: local, set: set}
}

type quickIsSet struct {
	*cli.Context
	local, set map[string]bool
}

func (q quickIsSet) IsSet(name string) bool {
	if !q.local[name] {
		return q.Context.IsSet(name)
	}
	return q.set[name]
}

// namedFlag is a flag whose Names() were worked out once
// (cachedFlagNames). It runs the flag's action as the flag would.
type namedFlag struct {
	cli.Flag
	names []string
}

func (f namedFlag) Names() []string { return f.names }

func (f namedFlag) RunAction(c *cli.Context) error {
	if af, ok := f.Flag.(cli.ActionableFlag); ok {
		return af.RunAction(c)
	}
	return nil
}

// applyShorthands gives cmd's flags the short letters the dialect assigns
// them (letter -> long name): rm -l is --link for docker, --latest for
// podman. A command defines its contested flags without the letter.
func applyShorthands(cmd *cli.Command, letters map[string]string) {
	for letter, long := range letters {
		for _, f := range cmd.Flags {
			if f.Names()[0] == long {
				addAlias(f, letter)
			}
		}
	}
}

// addAlias appends a short name to a flag of the kinds skiff defines.
func addAlias(f cli.Flag, alias string) {
	switch f := f.(type) {
	case *cli.BoolFlag:
		f.Aliases = append(f.Aliases, alias)
	case *cli.StringFlag:
		f.Aliases = append(f.Aliases, alias)
	case *cli.IntFlag:
		f.Aliases = append(f.Aliases, alias)
	case *cli.StringSliceFlag:
		f.Aliases = append(f.Aliases, alias)
	}
}

var badValue = lazy.Regexp(`^invalid value (".*") for flag -+([^:]+): (.*)$`)

// usageError turns a flag parsing error into one line, in docker's words,
// that points at --help.
func usageError(c *cli.Context, err error, _ bool) error {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		flag := "-" + strings.TrimLeft(f, "-")
		if len(flag) > 2 {
			flag = "-" + flag
		}
		msg = "unknown flag: " + flag
		if why := refusedFlag(canonicalPath(c), flag); why != "" {
			msg = why
		} else if strings.HasPrefix(flag, "--") {
			msg += didYouMean(flag, longFlagNames(c), false)
		}
	}
	// `invalid value "x" for flag -stop-timeout: parse error`, in docker's
	// words: `invalid argument "x" for "--stop-timeout" flag: parse error`.
	if m := badValue().FindStringSubmatch(msg); m != nil {
		dashes := "--"
		if len(m[2]) == 1 {
			dashes = "-"
		}
		msg = fmt.Sprintf("invalid argument %s for %q flag: %s", m[1], dashes+m[2], m[3])
	}
	return errdefs.Invalid("%s (see '%s --help')", msg, commandPath(c))
}

// unknownSubcommand is the action of a group command: without a known
// subcommand it shows help (no args) or refuses the word.
func unknownSubcommand(c *cli.Context) error {
	if c.NArg() == 0 {
		return cli.ShowSubcommandHelp(c)
	}
	word := c.Args().First()
	return errdefs.Invalid("unknown command %q for %q%s (see '%s --help')", word, commandPath(c),
		didYouMean(word, commandNames(c), true), commandPath(c))
}

func commandPath(c *cli.Context) string {
	parts := []string{}
	for _, cc := range c.Lineage() {
		// the root context's command carries the program's own name
		if cc.Command != nil && cc.Command.Name != "" && cc.Command.Name != c.App.Name {
			parts = append([]string{cc.Command.Name}, parts...)
		}
	}
	return strings.Join(append([]string{c.App.Name}, parts...), " ")
}

// canonicalPath is the first of the command's paths in Tree ("run" for
// `container run`), which keys refused flags and man pages.
func canonicalPath(c *cli.Context) string {
	prog, path, _ := strings.Cut(commandPath(c), " ")
	if n, ok := FindNode(Tree(NewApp(prog)), path); ok {
		return n.Paths[0]
	}
	return path
}

// usageErr is for checks in an Action that need only the arguments.
func usageErr(c *cli.Context, format string, args ...any) error {
	return errdefs.Invalid("%q %s (see '%s --help')", commandPath(c), fmt.Sprintf(format, args...), commandPath(c))
}

// needArgs checks the number of positional arguments like docker does.
func needArgs(c *cli.Context, min, max int) error {
	return needCount(c, c.NArg(), min, max)
}

// needCount is needArgs for n arguments.
func needCount(c *cli.Context, n, min, max int) error {
	switch {
	case max == 0 && n > 0:
		return usageErr(c, "accepts no arguments")
	case min == max && n != min:
		if min == 1 {
			return usageErr(c, "requires exactly 1 argument")
		}
		return usageErr(c, "requires exactly %d arguments", min)
	case n < min:
		if min == 1 {
			return usageErr(c, "requires at least 1 argument")
		}
		return usageErr(c, "requires at least %d arguments", min)
	case max >= 0 && n > max:
		if max == 0 {
			return usageErr(c, "accepts no arguments")
		}
		return usageErr(c, "accepts at most %d arguments", max)
	}
	return nil
}

// report prints err once (its first line, plus the full chain with
// --debug) and returns the exit code.
func report(w io.Writer, name string, err error) int {
	if err == nil {
		return 0
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) && !errors.Is(err, errdefs.ErrInvalid) && ec.ExitCode() == 0 {
		return 0
	}
	if !errdefs.Silent(err) {
		msg := err.Error()
		if logrus.IsLevelEnabled(logrus.DebugLevel) {
			logrus.Debugf("error chain: %+v", err)
		}
		fmt.Fprintf(w, "Error: %s\n", errdefs.Line(msg))
	}
	return errdefs.ExitCode(err)
}
