package commands

import (
	"github.com/urfave/cli/v2"
)

// suggest returns the candidate a mistyped word most likely meant, or ""
// when none is close: the nearest by edit distance (a swap of two
// neighbouring letters counts as one edit, the commonest typo), within one
// edit per three letters typed (at least one).
func suggest(typed string, candidates []string) string {
	best, bestDist := "", max(1, len(typed)/3)+1
	for _, c := range candidates {
		if d := editDistance(typed, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent bytes.
func editDistance(a, b string) int {
	// rows i-2, i-1 and i of the usual dynamic programme
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// didYouMean is the end of an "unknown" error: ` (did you mean "run"?)`,
// or "".
func didYouMean(typed string, candidates []string, quote bool) string {
	s := suggest(typed, candidates)
	if s == "" {
		return ""
	}
	if quote {
		s = `"` + s + `"`
	}
	return ": did you mean " + s + "?"
}

// commandNames are the names and aliases of the visible subcommands of
// the command c runs (the top level's for the app).
func commandNames(c *cli.Context) []string {
	cmds := c.App.Commands
	if !atTop(c) {
		cmds = c.Command.Subcommands
	}
	var names []string
	for _, cmd := range cmds {
		if !cmd.Hidden && cmd.Name != "help" {
			names = append(names, cmd.Names()...)
		}
	}
	return names
}

// longFlagNames are c's command's visible flags as typed: "--memory".
func longFlagNames(c *cli.Context) []string {
	flags := c.App.Flags
	if !atTop(c) {
		flags = c.Command.Flags
	}
	var names []string
	for _, f := range flags {
		if !helpShows(f) {
			continue
		}
		for _, n := range f.Names() {
			if len(n) > 1 {
				names = append(names, "--"+n)
			}
		}
	}
	return names
}

// atTop tells whether c is the program's own context, not a command's.
func atTop(c *cli.Context) bool {
	return c.Command == nil || c.Command.Name == "" || c.Command.Name == c.App.Name
}
