package commands

import (
	"bufio"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// dockerFlag is one line of docker's --help Options.
type dockerFlag struct {
	short, long, typ, usage string
}

var dockerFlagLine = regexp.MustCompile(`^  (?:-(\w), |    )--([\w-]+)(?: ([\w-]+))?\s{2,}(.*)$`)

// dockerOptions runs `docker PATH --help` and parses its options; ok is
// false when docker has no such command (a plugin that is not installed).
func dockerOptions(t *testing.T, path string) (flags []dockerFlag, ok bool) {
	out, _ := exec.Command("docker", append(strings.Fields(path), "--help")...).Output()
	text := string(out)
	if !strings.HasPrefix(text, "Usage:  docker "+path) {
		return nil, false
	}
	in := false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "Options:":
			in = true
		case !in:
		case line == "":
			in = false
		case dockerFlagLine.MatchString(line):
			m := dockerFlagLine.FindStringSubmatch(line)
			flags = append(flags, dockerFlag{m[1], m[2], m[3], m[4]})
		case len(flags) > 0:
			flags[len(flags)-1].usage += " " + strings.TrimSpace(line)
		}
	}
	return flags, true
}

var dockerDefault = regexp.MustCompile(` \(default [^)]*\)$`)

// firstClause is a usage up to its first parenthesis or colon, without a
// final period: what skiff's wording must share with docker's (skiff says
// more after it where it differs, e.g. which values it takes).
func firstClause(u string) string {
	u = dockerDefault.ReplaceAllString(u, "")
	if i := strings.IndexAny(u, "(:"); i >= 0 {
		u = u[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(u), ".")
}

// dockerDifferences are where skiff's --help says deliberately other
// than docker's, and why.
var dockerDifferences = map[string]string{
	"network create --gateway":  "IPv4 only",
	"network create --subnet":   "one subnet: string, not strings",
	"network create --ip-range": "one range: string, not strings",
	"network connect --alias":   "repeatable, no comma splitting: list",
	"build --cache-from":        "repeatable, no comma splitting: list",
	"exec --user":               "the format's quotes",
}

// TestHelpAgainstDocker compares every command's flags with docker's own
// --help (docker's CLI client, no daemon needed; skipped without it):
// each docker flag is skiff's, with docker's short form and type, or is
// refused in refused.go; the wording of the ones skiff has starts as
// docker's.
func TestHelpAgainstDocker(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker's CLI is not installed")
	}
	for _, n := range Tree(NewApp("skiff")) {
		if !n.Leaf() || n.Path != n.Paths[0] {
			continue
		}
		dflags, ok := dockerOptions(t, n.Path)
		if !ok {
			continue
		}
		ours := map[string]bool{}
		for _, f := range n.Command.Flags {
			short, long := flagForms(f)
			ours["--"+long] = true
			for _, name := range f.Names() {
				ours["--"+name] = true
			}
			for _, d := range dflags {
				if d.long != long {
					continue
				}
				if dockerDifferences[n.Path+" --"+long] != "" {
					continue
				}
				if d.short != short {
					t.Errorf("%s --%s: short form -%s, docker's is -%s", n.Path, long, short, d.short)
				}
				if typ := FlagType(n.Path, f); typ != d.typ {
					t.Errorf("%s --%s: type %q, docker's is %q", n.Path, long, typ, d.typ)
				}
				if u := FlagUsage(f); !strings.HasPrefix(u, firstClause(d.usage)) {
					t.Errorf("%s --%s: usage %q, docker's is %q", n.Path, long, u, firstClause(d.usage))
				}
			}
		}
		theirs := map[string]bool{}
		for _, d := range dflags {
			theirs["--"+d.long] = true
		}
		for _, r := range refused()[n.Path] {
			for _, f := range r.Flags {
				if !theirs[f] {
					t.Errorf("refused.go: %s %s is not docker's", n.Path, f)
				}
			}
		}
		for _, d := range dflags {
			if d.long == "help" {
				continue
			}
			if !ours["--"+d.long] && refusedFlag(n.Paths[0], "--"+d.long) == "" {
				t.Errorf("%s: docker's --%s is neither skiff's nor refused (refused.go) [%s]", n.Path, d.long, fmt.Sprint(d.typ, " ", d.usage))
			}
		}
	}
}
