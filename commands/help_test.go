package commands

import (
	"bytes"
	"strings"
	"testing"
)

// TestRefusedFlags keeps refused.go true: each path is a command's
// canonical path, and no refused flag is one the command has (a flag that
// lands must leave the list).
func TestRefusedFlags(t *testing.T) {
	nodes := Tree(NewApp("skiff"))
	for path, rs := range refused() {
		n, ok := FindNode(nodes, path)
		if !ok || n.Paths[0] != path {
			t.Errorf("refused.go: %q is not a command's canonical path", path)
			continue
		}
		for _, r := range rs {
			for _, flag := range r.Flags {
				for _, f := range n.Command.Flags {
					for _, name := range f.Names() {
						if "--"+name == flag {
							t.Errorf("refused.go: %s %s is a flag of skiff's now: remove it from the refused list", path, flag)
						}
					}
				}
			}
		}
	}
}

// TestHelpLayout checks --help reads as docker's: usage line, aliases,
// typed options with defaults, and the refused flags at the end.
func TestHelpLayout(t *testing.T) {
	var out bytes.Buffer
	app := NewApp("skiff")
	app.Writer = &out
	if err := app.Run([]string{"skiff", "container", "run", "--help"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Usage:  skiff container run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image\n",
		"Aliases:\n  skiff container run, skiff run\n",
		"\n  -e, --env list ",
		"\n      --pull string ",
		`(default "missing")`,
		"\n      --mount mount ",
		"\nNot supported by skiff: ",
		"--gpus: no GPU support",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run --help lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "--help") {
		t.Errorf("run --help lists --help:\n%s", out.String())
	}
}

// TestRefusedFlagError: a docker flag skiff refuses says why.
func TestRefusedFlagError(t *testing.T) {
	var errOut bytes.Buffer
	app := NewApp("skiff")
	app.ErrWriter = &errOut
	app.Before = nil
	err := app.Run([]string{"skiff", "container", "create", "--gpus", "all", "busybox"})
	if err == nil || !strings.Contains(err.Error(), "unknown flag: --gpus: not supported by skiff (no GPU support) (see 'skiff container create --help')") {
		t.Fatalf("got %v", err)
	}
}
