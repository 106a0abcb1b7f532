// Package manpage reads and writes the sources of skiff's man pages
// (docs/man/*.1.md, go-md2man markdown): their sections, the entries of
// their OPTIONS, and the `@@option NAME` lines that include an option
// written once in docs/man/options/NAME.md (podman's habit: run and
// create share their options' text).
//
// It knows nothing of skiff's commands: commands compares pages with the
// command tree, hack/man builds and updates them. It imports nothing of
// skiff.
package manpage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/internal/lazy"
)

// Page is a page source split at its `# TITLE` lines.
type Page struct {
	Head     string // the `%` title lines before the first section
	Sections []*Section
}

// Section is one `# TITLE` and the text under it.
type Section struct {
	Title string
	Body  string
}

// Parse splits a page source into its sections.
func Parse(text string) *Page {
	p := &Page{}
	var cur *Section
	var b strings.Builder
	flush := func() {
		if cur == nil {
			p.Head = b.String()
		} else {
			cur.Body = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if t, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "# "); ok {
			flush()
			cur = &Section{Title: strings.TrimSpace(t)}
			p.Sections = append(p.Sections, cur)
			continue
		}
		b.WriteString(line)
	}
	flush()
	return p
}

// String is the page source again.
func (p *Page) String() string {
	var b strings.Builder
	b.WriteString(p.Head)
	for _, s := range p.Sections {
		fmt.Fprintf(&b, "# %s\n%s", s.Title, s.Body)
	}
	return b.String()
}

// Section returns the section titled title, or nil.
func (p *Page) Section(title string) *Section {
	for _, s := range p.Sections {
		if s.Title == title {
			return s
		}
	}
	return nil
}

// Entry is one option of an OPTIONS section: a term line naming the
// option's forms (`**-e**, **--env** *list*`) and its definition lines
// (`: Set environment variables...`), or an `@@option NAME` line.
type Entry struct {
	Names   []string // "-e", "--env": as the term line spells them
	Include string   // NAME of an @@option line
	Text    string   // the entry's lines, as written
}

// Key is what entries sort by: the first long name, without dashes.
func (e Entry) Key() string {
	for _, n := range e.Names {
		if strings.HasPrefix(n, "--") {
			return n[2:]
		}
	}
	if len(e.Names) > 0 {
		return strings.TrimLeft(e.Names[0], "-")
	}
	return e.Include
}

var termName = lazy.Regexp(`\*\*(--?[A-Za-z0-9][\w-]*)\*\*`)

// IncludeLine is how a page includes docs/man/options/NAME.md.
const IncludeLine = "@@option "

// TermNames returns the option names of a term line (a line starting with
// `**-`), or nil for any other line.
func TermNames(line string) []string {
	if !strings.HasPrefix(line, "**-") {
		return nil
	}
	head := line
	// the names come first: `**-f**, **--file** *PATH*`
	if i := strings.Index(line, "* "); i >= 0 && !strings.HasPrefix(line[i+2:], "**") {
		head = line[:i+1]
	}
	var names []string
	for _, m := range termName().FindAllStringSubmatch(head, -1) {
		names = append(names, m[1])
	}
	return names
}

// Entries splits an OPTIONS body into the text before its first entry and
// its entries.
func Entries(body string) (intro string, entries []Entry) {
	var cur *Entry
	for _, line := range strings.SplitAfter(body, "\n") {
		bare := strings.TrimRight(line, "\n")
		names := TermNames(bare)
		inc, isInc := strings.CutPrefix(bare, IncludeLine)
		switch {
		case names != nil || isInc:
			entries = append(entries, Entry{Names: names, Text: line})
			cur = &entries[len(entries)-1]
			if isInc {
				cur.Include = strings.TrimSpace(inc)
			}
		case cur == nil:
			intro += line
		default:
			cur.Text += line
		}
	}
	return intro, entries
}

// JoinEntries is an OPTIONS body from its intro and entries, each entry
// ending in one blank line.
func JoinEntries(intro string, entries []Entry) string {
	var b strings.Builder
	b.WriteString(intro)
	for _, e := range entries {
		b.WriteString(strings.TrimRight(e.Text, "\n"))
		b.WriteString("\n\n")
	}
	return b.String()
}

// SortEntries orders entries by their long names, as --help does.
func SortEntries(entries []Entry) {
	slices.SortStableFunc(entries, func(a, b Entry) int { return strings.Compare(a.Key(), b.Key()) })
}

// Expand replaces each @@option line with the option's text, which
// include returns; an include's own names come from its term line.
func Expand(text string, include func(name string) (string, error)) (string, error) {
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		name, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), IncludeLine)
		if !ok {
			b.WriteString(line)
			continue
		}
		inc, err := include(strings.TrimSpace(name))
		if err != nil {
			return "", err
		}
		b.WriteString(strings.TrimRight(inc, "\n") + "\n")
	}
	return b.String(), nil
}
