package commands

import (
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// flagNames lists cmd's flags with all their names, in order.
func flagNames(cmd *cli.Command) []string {
	var names []string
	for _, f := range cmd.Flags {
		names = append(names, strings.Join(f.Names(), "|"))
	}
	return names
}

// TestLazyTreeSelectsAsFull: for every command path, the command the
// lazy app (Run's) selects and expands is the one NewApp builds, with the
// same flags and short names, ready to run as NewApp's are; commands off
// the path are left unbuilt.
func TestLazyTreeSelectsAsFull(t *testing.T) {
	t.Parallel()
	full := NewApp("skiff")
	for _, n := range Tree(full) {
		app := newApp("skiff")
		args := append([]string{"skiff"}, strings.Fields(n.Path)...)
		_, leaf := normalize(app, args)
		if leaf == nil || leaf.Name != n.Command.Name {
			t.Errorf("%s: the lazy app selects %v", n.Path, leaf)
			continue
		}
		if got, want := flagNames(leaf), flagNames(n.Command); !slices.Equal(got, want) {
			t.Errorf("%s: flags %q, want %q", n.Path, got, want)
		}
		if len(leaf.Subcommands) != len(n.Command.Subcommands) {
			t.Errorf("%s: %d subcommands, want %d", n.Path, len(leaf.Subcommands), len(n.Command.Subcommands))
		}
		if leaf.OnUsageError == nil || leaf.Action == nil || leaf.HideHelpCommand != n.Command.HideHelpCommand {
			t.Errorf("%s: not finished", n.Path)
		}
		if want := needsWholeTree(leaf, args); want != !n.Leaf() {
			t.Errorf("%s: needsWholeTree = %v", n.Path, want)
		}
	}
	app := newApp("skiff")
	normalize(app, []string{"skiff", "--root", "/tmp/x", "version"})
	for _, c := range app.Commands {
		_, pending := pendingParts.Load(c)
		if c.Name == "run" || c.Name == "container" {
			if !pending {
				t.Errorf("version built %s", c.Name)
			}
		}
	}
}

func TestNeedsWholeTree(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args string
		want bool
	}{
		{"skiff", true},
		{"skiff --help", true},
		{"skiff help run", true},
		{"skiff nosuch", true},
		{"skiff container", true},
		{"skiff ps -a", false},
		{"skiff --root /x ps", false},
		{"skiff ps --help", true},
		{"skiff run img sh -- --help", false},
		{"skiff container ls --generate-bash-completion", true},
		{"skiff image", true},
		{"skiff image ls", false},
	} {
		app := newApp("skiff")
		args, leaf := normalize(app, strings.Fields(tc.args))
		if got := needsWholeTree(leaf, args); got != tc.want {
			t.Errorf("needsWholeTree(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
