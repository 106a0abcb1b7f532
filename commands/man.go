package commands

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/internal/manpage"
)

// The man pages (docs/man) are written by hand and kept true by the
// command tree: CheckMan says which page lacks which flag, SyncMan adds
// what is missing from --help's own words (hack/man sync), ManSources
// gives the pages to build with their includes expanded and the other
// paths of each command as links (hack/man build).

// manPage is what one page documents: a command's canonical node, or the
// program itself (skiff.1, its global options).
type manPage struct {
	name   string // skiff-run
	title  string // what the page is about: "skiff run"
	usage  string
	args   string
	flags  []cli.Flag
	paths  []string // paths besides the canonical one (links)
	group  []*cli.Command
	pageOf map[string]string // subcommand name -> its page (skiff-attach for container attach)
	leaf   bool
}

func manPages() []manPage {
	app := NewApp("skiff")
	nodes := Tree(app)
	pageOf := func(prefix string) map[string]string {
		m := map[string]string{}
		for _, n := range nodes {
			if parentPath(n.Path) == prefix {
				m[n.Command.Name] = n.Page("skiff")
			}
		}
		return m
	}
	pages := []manPage{{name: "skiff", title: "skiff", usage: app.Usage, flags: app.Flags, group: app.Commands, pageOf: pageOf("")}}
	for _, n := range nodes {
		if n.Path != n.Paths[0] {
			continue
		}
		pages = append(pages, manPage{name: n.Page("skiff"), title: "skiff " + n.Path, usage: n.Command.Usage,
			args: n.Command.ArgsUsage, flags: n.Command.Flags, paths: n.Paths[1:],
			group: n.Command.Subcommands, leaf: n.Leaf(), pageOf: pageOf(n.Path + " ")})
	}
	return pages
}

// sections a page must have, in this order.
func (p manPage) sections() []string {
	s := []string{"NAME", "SYNOPSIS", "DESCRIPTION"}
	if !p.leaf {
		s = append(s, "COMMANDS")
	}
	if visibleFlags(p.flags) > 0 {
		s = append(s, "OPTIONS")
	}
	return append(s, "EXAMPLES", "EXIT STATUS")
}

func (p manPage) file(dir string) string { return filepath.Join(dir, p.name+".1.md") }

// readPage reads and expands a page source.
func readPage(dir, name string) (*manpage.Page, error) {
	raw, err := os.ReadFile(filepath.Join(dir, name+".1.md"))
	if err != nil {
		return nil, err
	}
	text, err := manpage.Expand(string(raw), func(opt string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, "options", opt+".md"))
		if err != nil {
			return "", fmt.Errorf("%s.1.md: %s%s: %w", name, manpage.IncludeLine, opt, err)
		}
		return string(b), nil
	})
	if err != nil {
		return nil, err
	}
	return manpage.Parse(text), nil
}

// CheckMan compares the pages in dir with the command tree and returns
// one line per problem, saying which page and what to do.
func CheckMan(dir string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	known := map[string]bool{}
	for _, p := range manPages() {
		known[p.name+".1.md"] = true
		page, err := readPage(dir, p.name)
		if errors.Is(err, fs.ErrNotExist) {
			add("docs/man/%s.1.md is missing for `%s`: run `make man-sync` to write its skeleton, then its prose", p.name, p.title)
			continue
		} else if err != nil {
			add("docs/man/%s.1.md: %v", p.name, err)
			continue
		}
		for _, s := range p.sections() {
			if page.Section(s) == nil {
				add("docs/man/%s.1.md has no %q section", p.name, s)
			}
		}
		if d := page.Section("DESCRIPTION"); d != nil && strings.Join(strings.Fields(d.Body), " ") == capitalize(p.usage)+"." {
			add("docs/man/%s.1.md: DESCRIPTION is only --help's line: say what `%s` does, and how it differs from docker's or podman's", p.name, p.title)
		}
		if ex := page.Section("EXAMPLES"); ex != nil && strings.TrimSpace(ex.Body) == p.title {
			add("docs/man/%s.1.md: EXAMPLES is the skeleton's bare `%s`: show it used, with its arguments", p.name, p.title)
		}
		if name := page.Section("NAME"); name != nil && strings.Join(strings.Fields(name.Body), " ") != p.nameLine() {
			add("docs/man/%s.1.md: NAME is not `%s` (--help's usage): run `make man-sync`", p.name, p.nameLine())
		}
		documented := map[string]bool{}
		if opts := optionsSection(page); opts != nil {
			_, entries := manpage.Entries(opts.Body)
			for _, e := range entries {
				for _, n := range e.Names {
					documented[n] = true
				}
			}
		}
		want := map[string]bool{}
		for _, f := range p.flags {
			if !helpShows(f) {
				continue
			}
			for _, n := range f.Names() {
				want[dashed(n)] = true
				if !documented[dashed(n)] {
					add("docs/man/%s.1.md lacks %s of `%s` in OPTIONS: run `make man-sync` to add it from --help, then check its text", p.name, dashed(n), p.title)
				}
			}
		}
		for n := range documented {
			if !want[n] {
				add("docs/man/%s.1.md documents %s, which `%s` does not have: remove it (`make man-sync` does)", p.name, n, p.title)
			}
		}
		if cmds := page.Section("COMMANDS"); cmds != nil {
			for _, c := range p.group {
				if !c.Hidden && c.Name != "help" && !strings.Contains(cmds.Body, "**"+c.Name+"**") {
					add("docs/man/%s.1.md does not list **%s** in COMMANDS", p.name, c.Name)
				}
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range files {
		if !known[filepath.Base(f)] {
			add("docs/man/%s documents no command: remove it, or name it after a command's canonical path", filepath.Base(f))
		}
	}
	slices.Sort(problems)
	return problems
}

// optionsSection is the page's OPTIONS (compose's are GLOBAL OPTIONS).
func optionsSection(page *manpage.Page) *manpage.Section {
	if s := page.Section("OPTIONS"); s != nil {
		return s
	}
	return page.Section("GLOBAL OPTIONS")
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// ManEntry is the generated text of a flag's OPTIONS entry: its forms,
// type and --help's usage with its default.
func ManEntry(path string, f cli.Flag) string {
	short, long := flagForms(f)
	forms := []string{}
	if short != "" {
		forms = append(forms, "**-"+short+"**")
	}
	forms = append(forms, "**--"+long+"**")
	for _, n := range f.Names() {
		if n != short && n != long {
			forms = append(forms, "**"+dashed(n)+"**")
		}
	}
	term := strings.Join(forms, ", ")
	if t := FlagType(path, f); t != "" {
		term += " *" + t + "*"
	}
	usage := mdEscape.Replace(FlagUsage(f))
	if !strings.HasSuffix(usage, ".") {
		usage += "."
	}
	return term + "\n: " + usage + "\n"
}

// mdEscape keeps --help's text literal in markdown: <timestamp> is not
// an HTML tag, net.* not emphasis.
var mdEscape = strings.NewReplacer("<", `\<`, ">", `\>`, "*", `\*`, "_", `\_`)

// sharedOptions are the flags written once in options/FILE.md: the same
// name and usage in several commands. Run's options (most of them create's
// too) are options/NAME.md; the others are named after the first command
// that has them (options/stop/time.md for stop's and restart's --time).
// It maps "page --name" to FILE.
func sharedOptions(pages []manPage) map[string]string {
	type key struct{ name, usage string }
	users := map[key][]string{}
	for _, p := range pages[1:] {
		for _, f := range p.flags {
			if helpShows(f) {
				k := key{f.Names()[0], FlagUsage(f)}
				users[k] = append(users[k], p.name)
			}
		}
	}
	shared := map[string]string{}
	for k, names := range users {
		if len(names) < 2 {
			continue
		}
		file := strings.TrimPrefix(names[0], "skiff-") + "/" + k.name
		if names[0] == "skiff-run" {
			file = k.name
		}
		for _, n := range names {
			shared[n+" --"+k.name] = file
		}
	}
	return shared
}

// SyncMan brings the pages in dir up to the command tree: a skeleton for
// each command without a page, an OPTIONS entry (from --help) for each
// flag a page lacks, no entry for a flag that is gone, entries sorted.
// Shared options go into options/NAME.md once. Hand-written text is kept.
// It returns what it did, one line each.
func SyncMan(dir string) ([]string, error) {
	pages := manPages()
	shared := sharedOptions(pages)
	var did []string
	for _, p := range pages {
		path := strings.TrimPrefix(p.title, "skiff ")
		raw, err := os.ReadFile(p.file(dir))
		if errors.Is(err, fs.ErrNotExist) {
			raw, did = nil, append(did, "wrote "+p.file(dir))
		} else if err != nil {
			return did, err
		}
		page := manpage.Parse(string(raw))
		if raw == nil {
			page = manpage.Parse(p.skeleton())
		}
		opts := optionsSection(page)
		if opts == nil && visibleFlags(p.flags) > 0 {
			opts = &manpage.Section{Title: "OPTIONS", Body: "\n"}
			page.Sections = insertSection(page.Sections, opts)
		}
		if opts != nil {
			var changes []string
			opts.Body, changes, err = syncOptions(dir, p, path, opts.Body, shared)
			if err != nil {
				return did, err
			}
			for _, c := range changes {
				did = append(did, p.file(dir)+": "+c)
			}
		}
		if name := page.Section("NAME"); name != nil && strings.Join(strings.Fields(name.Body), " ") != p.nameLine() {
			name.Body = "\n" + p.nameLine() + "\n\n"
			did = append(did, p.file(dir)+": NAME from --help")
		}
		if cmds := page.Section("COMMANDS"); cmds != nil {
			for _, line := range p.missingCommands(cmds.Body) {
				cmds.Body = strings.TrimRight(cmds.Body, "\n") + "\n\n" + line + "\n"
				did = append(did, p.file(dir)+": listed "+strings.SplitN(line, "\n", 2)[0])
			}
		}
		if out := page.String(); out != string(raw) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return did, err
			}
			if err := os.WriteFile(p.file(dir), []byte(out), 0o644); err != nil {
				return did, err
			}
		}
	}
	return did, nil
}

// insertSection puts OPTIONS before EXAMPLES (or at the end).
func insertSection(secs []*manpage.Section, s *manpage.Section) []*manpage.Section {
	for i, x := range secs {
		if x.Title == "EXAMPLES" || x.Title == "EXIT STATUS" || x.Title == "SEE ALSO" {
			return slices.Insert(secs, i, s)
		}
	}
	return append(secs, s)
}

func syncOptions(dir string, p manPage, path, body string, shared map[string]string) (string, []string, error) {
	intro, entries := manpage.Entries(body)
	var changes []string
	names := func(e manpage.Entry) []string {
		if e.Include == "" {
			return e.Names
		}
		b, err := os.ReadFile(filepath.Join(dir, "options", e.Include+".md"))
		if err != nil {
			return nil
		}
		return manpage.TermNames(strings.SplitN(string(b), "\n", 2)[0])
	}
	have := map[string]bool{}
	flags := map[string]bool{}
	for _, f := range p.flags {
		for _, n := range f.Names() {
			flags[dashed(n)] = helpShows(f)
		}
	}
	kept := entries[:0]
	for _, e := range entries {
		ns := names(e)
		if len(ns) > 0 && !slices.ContainsFunc(ns, func(n string) bool { return flags[n] }) {
			changes = append(changes, "removed "+strings.Join(ns, ", ")+" (no such flag)")
			continue
		}
		for _, n := range ns {
			have[n] = true
		}
		kept = append(kept, e)
	}
	entries = kept
	for _, f := range p.flags {
		name := f.Names()[0]
		if !helpShows(f) || have[dashed(name)] {
			continue
		}
		e := manpage.Entry{Names: []string{dashed(name)}, Text: ManEntry(path, f)}
		if inc, ok := shared[p.name+" --"+name]; ok {
			file := filepath.Join(dir, "options", inc+".md")
			if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					return body, changes, err
				}
				if err := os.WriteFile(file, []byte(ManEntry(path, f)), 0o644); err != nil {
					return body, changes, err
				}
				changes = append(changes, "wrote "+file)
			}
			e = manpage.Entry{Include: inc, Names: []string{dashed(name)}, Text: manpage.IncludeLine + inc + "\n"}
		}
		entries = append(entries, e)
		changes = append(changes, "added "+dashed(name))
	}
	if len(changes) == 0 {
		return body, nil, nil
	}
	manpage.SortEntries(entries)
	if strings.TrimSpace(intro) == "" {
		intro = "\n"
	}
	return manpage.JoinEntries(intro, entries), changes, nil
}

var argWord = lazy.Regexp(`[A-Z][A-Z0-9_]*(?:[:@=][A-Z0-9_\[\]:/]+)?`)

// synopsis is the SYNOPSIS line: `**skiff run** [*OPTIONS*] *IMAGE* ...`.
func (p manPage) synopsis() string {
	s := "**" + p.title + "**"
	switch {
	case !p.leaf:
		s += " [*OPTIONS*] *COMMAND*"
		if visibleFlags(p.flags) == 0 {
			s = "**" + p.title + "** *COMMAND*"
		}
	case visibleFlags(p.flags) > 0:
		s += " [*OPTIONS*]"
	}
	if p.args != "" {
		s += " " + argWord().ReplaceAllStringFunc(p.args, func(w string) string { return "*" + w + "*" })
	}
	return s
}

// missingCommands are the COMMANDS entries a group's page lacks.
func (p manPage) missingCommands(body string) []string {
	var out []string
	for _, c := range p.group {
		if !c.Hidden && c.Name != "help" && !strings.Contains(body, "**"+c.Name+"**") {
			out = append(out, fmt.Sprintf("**%s**\n: %s: **%s**(1).\n", c.Name, capitalize(c.Usage), p.pageOf[c.Name]))
		}
	}
	return out
}

// nameLine is the NAME section: the page, --help's usage, the other paths.
func (p manPage) nameLine() string {
	also := ""
	if len(p.paths) > 0 {
		also = " (also `skiff " + strings.Join(p.paths, "`, `skiff ") + "`)"
	}
	return fmt.Sprintf("%s - %s%s", p.name, capitalize(p.usage), also)
}

// skeleton is a new page: what the tree knows, and the sections to write.
func (p manPage) skeleton() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%% %s 1 skiff\n\n", strings.ToUpper(p.name))
	fmt.Fprintf(&b, "# NAME\n\n%s\n\n", p.nameLine())
	fmt.Fprintf(&b, "# SYNOPSIS\n\n%s\n\n", p.synopsis())
	fmt.Fprintf(&b, "# DESCRIPTION\n\n%s.\n\n", capitalize(p.usage))
	if !p.leaf {
		b.WriteString("# COMMANDS\n\n")
		for _, line := range p.missingCommands("") {
			b.WriteString(line + "\n")
		}
	}
	fmt.Fprintf(&b, "# EXAMPLES\n\n    %s\n\n", p.title)
	b.WriteString("# EXIT STATUS\n\n**0** on success; **125** when skiff fails (a bad flag or argument, an object that does not exist).\n")
	return b.String()
}

// ManSources returns the pages to install: each page's source with its
// includes expanded, by file name (skiff-run.1.md), and the links (roff
// `.so` pages) of the other paths of each command, by file name
// (skiff-container-run.1) to the page they point at (skiff-run.1).
func ManSources(dir string) (pages map[string]string, links map[string]string, err error) {
	pages, links = map[string]string{}, map[string]string{}
	for _, p := range manPages() {
		page, err := readPage(dir, p.name)
		if err != nil {
			return nil, nil, err
		}
		pages[p.name+".1.md"] = page.String()
		for _, other := range p.paths {
			links["skiff-"+strings.ReplaceAll(other, " ", "-")+".1"] = p.name + ".1"
		}
	}
	return pages, links, nil
}
