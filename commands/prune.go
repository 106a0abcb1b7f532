package commands

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
)

// confirm asks docker's prune question; only y or yes goes on.
func confirm(c *cli.Context, warning string) bool {
	fmt.Fprintf(c.App.Writer, "%s\nAre you sure you want to continue? [y/N] ", warning)
	line, _ := bufio.NewReader(c.App.Reader).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// printDeleted prints one section of a prune report ("Deleted
// Containers:" and the lines), nothing when nothing went.
func printDeleted(w io.Writer, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, title)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
}

// printReclaimed ends a prune report.
func printReclaimed(w io.Writer, bytes int64) {
	fmt.Fprintf(w, "Total reclaimed space: %s\n", format.HumanSize(bytes))
}
