package commands

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Node is one command of the tree as a user types it: its path ("container
// ls") and the other paths that run the same command (docker's aliases:
// `ps`, `container ps`, `container list`). The reference, the man pages,
// --help and the shell completion all walk the tree through Nodes, so they
// cannot disagree about what a command is called.
type Node struct {
	Path    string       // words after the program's name
	Command *cli.Command // the definition
	// Paths are all the paths that run this command, the canonical one
	// first: the top-level verb when there is one (`run`, `ps`,
	// `images`), as docker's own help lists them.
	Paths []string
}

// Page is the name of the command's man page, from its canonical path
// (skiff-container-prune, skiff-run).
func (n Node) Page(prog string) string {
	return prog + "-" + strings.ReplaceAll(n.Paths[0], " ", "-")
}

// Leaf reports whether the command runs something itself (it has no
// subcommands).
func (n Node) Leaf() bool { return len(n.Command.Subcommands) == 0 }

// Tree walks the command tree in its own order, depth first, skipping
// hidden commands and urfave/cli's help command. Commands defined by the
// same constructor under several names (`run` and `container run`,
// withRenamed's copies) share their Paths: each of their aliases (`ls`,
// `list`, `ps` of `container`) counts as a path too.
func Tree(app *cli.App) []Node {
	var nodes []Node
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden || c.Name == "help" {
				continue
			}
			path := strings.TrimSpace(prefix + " " + c.Name)
			nodes = append(nodes, Node{Path: path, Command: c})
			walk(path, c.Subcommands)
		}
	}
	walk("", app.Commands)
	groups := map[string][]string{}
	for _, n := range nodes {
		k := identity(n.Command)
		groups[k] = append(groups[k], n.Path)
		for _, a := range n.Command.Aliases {
			groups[k] = append(groups[k], parentPath(n.Path)+a)
		}
	}
	for i := range nodes {
		paths := slices.Clone(groups[identity(nodes[i].Command)])
		slices.SortStableFunc(paths, func(a, b string) int {
			return strings.Count(a, " ") - strings.Count(b, " ")
		})
		nodes[i].Paths = slices.Compact(paths)
	}
	return nodes
}

// FindNode returns the node of path, or false.
func FindNode(nodes []Node, path string) (Node, bool) {
	for _, n := range nodes {
		if n.Path == path {
			return n, true
		}
	}
	return Node{}, false
}

func parentPath(path string) string {
	if i := strings.LastIndexByte(path, ' '); i >= 0 {
		return path[:i+1]
	}
	return ""
}

// identity tells commands built by the same constructor from the others:
// the same usage, arguments and flags. (Their actions cannot be compared:
// the compiler gives each inlined copy of a constructor its own closure.)
// A group command is itself.
func identity(c *cli.Command) string {
	if len(c.Subcommands) > 0 {
		return fmt.Sprintf("%p", c)
	}
	var b strings.Builder
	b.WriteString(c.Usage)
	b.WriteByte(0)
	b.WriteString(c.ArgsUsage)
	for _, f := range c.Flags {
		if f.Names()[0] == "help" {
			continue // urfave/cli adds it to the commands it has run
		}
		b.WriteByte(0)
		b.WriteString(f.Names()[0])
	}
	return b.String()
}
