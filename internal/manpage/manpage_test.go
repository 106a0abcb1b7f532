package manpage

import (
	"reflect"
	"strings"
	"testing"
)

const sample = `% SKIFF-X 1 skiff

# NAME

skiff-x - do x

# OPTIONS

Intro.

**-f**, **--file** *PATH*
: The file; as **-q** does.

@@option env

**--all**
: Everything.

# EXAMPLES

    skiff x
`

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	p := Parse(sample)
	if p.String() != sample {
		t.Fatalf("round trip:\n%s", p.String())
	}
	if len(p.Sections) != 3 || p.Section("OPTIONS") == nil || p.Section("NOPE") != nil {
		t.Fatalf("sections: %+v", p.Sections)
	}
	intro, entries := Entries(p.Section("OPTIONS").Body)
	if intro != "\nIntro.\n\n" || len(entries) != 3 {
		t.Fatalf("intro %q, entries %+v", intro, entries)
	}
	if !reflect.DeepEqual(entries[0].Names, []string{"-f", "--file"}) || entries[1].Include != "env" || entries[2].Key() != "all" {
		t.Errorf("entries: %+v", entries)
	}
	SortEntries(entries)
	if entries[0].Key() != "all" || entries[1].Key() != "env" || entries[2].Key() != "file" {
		t.Errorf("sorted: %+v", entries)
	}
}

func TestTermNames(t *testing.T) {
	t.Parallel()
	for line, want := range map[string][]string{
		"**-t**, **--tag** *NAME[:TAG]*":              {"-t", "--tag"},
		"**--build-arg** *KEY=VALUE* | *KEY*":         {"--build-arg"},
		"**--network**, **--net** *network*":          {"--network", "--net"},
		": as **-q** does":                            nil,
		"**skiff run** is not an option":              nil,
		"**--progress** *auto*|*plain*|*tty*|*quiet*": {"--progress"},
	} {
		if got := TermNames(line); !reflect.DeepEqual(got, want) {
			t.Errorf("TermNames(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	got, err := Expand("a\n@@option env\nb\n", func(name string) (string, error) {
		return "**--" + name + "**\n: The " + name + ".\n\n", nil
	})
	if err != nil || got != "a\n**--env**\n: The env.\nb\n" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	if !strings.Contains(IncludeLine, "@@option") {
		t.Error(IncludeLine)
	}
}
