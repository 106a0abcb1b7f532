package commands

import (
	"strings"
	"testing"
)

// TestManPages keeps docs/man true to the command tree: a page for every
// command, with its sections, an OPTIONS entry for every flag (shared ones
// through @@option includes) and none for a flag that is gone. Each
// failure names the page and the flag; `make man-sync` adds what is
// missing from --help's own words.
func TestManPages(t *testing.T) {
	t.Parallel()
	if problems := CheckMan("../docs/man"); len(problems) > 0 {
		t.Errorf("the man pages disagree with the commands (%d):\n%s", len(problems), strings.Join(problems, "\n"))
	}
	pages, links, err := ManSources("../docs/man")
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range pages {
		if strings.Contains(text, "@@option") {
			t.Errorf("%s: an include was not expanded", name)
		}
	}
	for link, target := range links {
		if _, ok := pages[strings.TrimSuffix(target, ".1")+".1.md"]; !ok {
			t.Errorf("link %s points at %s, which is no page", link, target)
		}
	}
	if links["skiff-container-run.1"] != "skiff-run.1" || links["skiff-image-ls.1"] != "skiff-images.1" {
		t.Errorf("links: container run -> %q, image ls -> %q", links["skiff-container-run.1"], links["skiff-image-ls.1"])
	}
}

// TestManEntry: a generated entry names every form and keeps --help's
// text literal in markdown.
func TestManEntry(t *testing.T) {
	t.Parallel()
	n, _ := FindNode(Tree(NewApp("skiff")), "container prune")
	var got string
	for _, f := range n.Command.Flags {
		if f.Names()[0] == "filter" {
			got = ManEntry("container prune", f)
		}
	}
	want := "**--filter** *filter*\n: Provide filter values (e.g. \"until=\\<timestamp\\>\", \"label=key=value\").\n"
	if got != want {
		t.Errorf("ManEntry = %q, want %q", got, want)
	}
}
