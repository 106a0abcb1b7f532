package commands

import (
	"strings"
	"sync"

	"github.com/urfave/cli/v2"
)

// A skiff process runs one command, but urfave/cli finds it in a tree of
// all of them; building all of them cost every process, `version`
// included, 0.34 MB of fresh heap in 2,500 allocations, most of it the
// management commands' subcommands and run's and create's 140 flags,
// each built twice (`run` and `container run`): about a tenth of a short
// command's page faults on a machine where a first touch of fresh memory
// is its largest cost (issue #18).
//
// So a command's costly parts (a group's subcommands, a long list of
// flags) may be deferred: its constructor returns the command with what
// finding it and listing it need (name, aliases, usage, category,
// hidden, action) and hands the rest to deferred, which builds it when
// expand is called on the command. expand also makes a command ready to
// run (finish: the dialect's short flags, skiff's usage errors, urfave/
// cli's flag lookups made cheap), which for every command cost nearly as
// much again as the commands' stubs. Run expands only the commands on
// the path the command line selects (normalizeArgs walks it), and
// everything when the line selects no leaf command or asks for help or
// completion; NewApp, for help, completion, the man pages and the
// reference, expands everything. A command's definition stays in one
// place, its constructor.

// pendingParts holds, for each command whose parts are not built yet,
// the function that builds them; finished, the commands finish has made
// ready to run.
var pendingParts, finished sync.Map // *cli.Command -> func(*cli.Command); -> bool

// deferred registers parts as the builder of cmd's costly parts (it sets
// them on cmd) and returns cmd.
func deferred(cmd *cli.Command, parts func(cmd *cli.Command)) *cli.Command {
	pendingParts.Store(cmd, parts)
	return cmd
}

// expand builds the deferred parts of cmd, the command at path, if they
// are not built yet, and makes it ready to run (finish) if it is not yet.
// A command not on the selected path is neither: nothing runs or lists
// it.
func expand(path string, cmd *cli.Command) {
	if parts, ok := pendingParts.LoadAndDelete(cmd); ok {
		parts.(func(*cli.Command))(cmd)
	}
	if _, done := finished.LoadOrStore(cmd, true); !done {
		finish(path, cmd)
	}
}

// expandAll expands cmds, the commands under prefix, and everything
// under them.
func expandAll(prefix string, cmds []*cli.Command) {
	for _, c := range cmds {
		path := strings.TrimSpace(prefix + " " + c.Name)
		expand(path, c)
		expandAll(path, c.Subcommands)
	}
}

// needsWholeTree reports whether running args may look at commands off
// the path they select: help (urfave/cli's help command and --help, and
// docker's `-h` at the top, which Run turns into --help) and shell
// completion list the others. leaf is the command the path ends in (nil
// if it names none).
func needsWholeTree(leaf *cli.Command, args []string) bool {
	if leaf == nil || len(leaf.Subcommands) > 0 {
		return true
	}
	if len(args) > 0 && args[len(args)-1] == "--"+cli.BashCompletionFlag.Names()[0] {
		return true
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--help" {
			return true
		}
	}
	return false
}
