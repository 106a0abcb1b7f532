package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The tutorials (docs/tutorial.md, docs/tutorial.fr.md) are run, command
// by command, so that they cannot rot. Their convention, which each states
// at its top:
//
//   - a ```console block holds commands, each after "$ " (a line ending in
//     "\" goes on; a here-document's lines belong to its command), and
//     under each command what skiff prints, stdout and stderr together;
//   - "..." stands for what differs from one machine or run to the next:
//     alone on a line, any number of lines; inside a line, any text;
//     runs of blanks match any run of blanks (table columns);
//   - a command whose output shows an "Error:" line must fail; any other
//     must succeed;
//   - in an interactive session (`run -it`), the lines after the prompt
//     "/ # " are what the reader types: the test feeds them on standard
//     input, without a terminal (-it becomes -i).
//
// Each document runs in one test installation, in order, in a directory
// of its own, with `skiff` on PATH (with the test's --root and --runroot),
// docker.io mirrored by the test registry (so `skiff pull busybox` works
// offline), $REGISTRY naming that registry, and 8080 replaced by a free
// port.

// docStep is one command of a tutorial and what it prints.
type docStep struct {
	line    int      // where the command starts in the document
	command string   // as bash runs it
	stdin   string   // the reader's input in an interactive session
	want    []string // expected output lines
}

var hereDoc = regexp.MustCompile(`<<-?\s*'?"?(\w+)'?"?`)

// parseDoc reads the console blocks of a markdown document.
func parseDoc(text string) ([]docStep, error) {
	var steps []docStep
	var cur *docStep
	inBlock, hereEnd := false, ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !inBlock:
			inBlock = strings.TrimSpace(line) == "```console"
		case hereEnd != "":
			cur.command += "\n" + line
			if strings.TrimSpace(line) == hereEnd {
				hereEnd = ""
			}
		case strings.HasPrefix(line, "```"):
			inBlock, cur = false, nil
		case strings.HasPrefix(line, "$ "):
			steps = append(steps, docStep{line: n, command: line[2:]})
			cur = &steps[len(steps)-1]
			for strings.HasSuffix(cur.command, "\\") && sc.Scan() {
				n++
				cur.command += "\n" + sc.Text()
			}
			if m := hereDoc.FindStringSubmatch(cur.command); m != nil {
				hereEnd = m[1]
			}
		case cur == nil:
			return nil, fmt.Errorf("line %d: output before any command in a console block", n)
		case strings.HasPrefix(line, "/ # "):
			cur.stdin += strings.TrimPrefix(line, "/ # ") + "\n"
		default:
			cur.want = append(cur.want, line)
		}
	}
	if inBlock {
		return nil, fmt.Errorf("a console block is not closed")
	}
	return steps, nil
}

var blanks = regexp.MustCompile(`[ \t]+`)

// lineMatches matches one output line against its expected form.
func lineMatches(want, got string) bool {
	want = blanks.ReplaceAllString(strings.TrimSpace(want), " ")
	got = blanks.ReplaceAllString(strings.TrimSpace(got), " ")
	parts := strings.Split(want, "...")
	pat := "^"
	for i, p := range parts {
		if i > 0 {
			pat += ".*"
		}
		pat += strings.ReplaceAll(regexp.QuoteMeta(p), " ", " +")
	}
	return regexp.MustCompile(pat + "$").MatchString(got)
}

// outputMatches matches the output lines against the expected ones, "..."
// alone matching any number of lines.
func outputMatches(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if strings.TrimSpace(want[0]) == "..." {
		for i := 0; i <= len(got); i++ {
			if outputMatches(want[1:], got[i:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && lineMatches(want[0], got[0]) && outputMatches(want[1:], got[1:])
}

func TestDocParse(t *testing.T) {
	t.Parallel()
	steps, err := parseDoc("text\n```console\n$ skiff run --rm busybox echo hi\nhi\n$ cat > f <<'EOF'\nx\n$ y\nEOF\n$ a \\\n  b\n```\n\n```console\n$ skiff run -it busybox sh\n/ # echo in\nin\n/ # exit\n```\n```sh\n$ not run\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 4 || steps[0].command != "skiff run --rm busybox echo hi" || len(steps[0].want) != 1 ||
		steps[1].command != "cat > f <<'EOF'\nx\n$ y\nEOF" || len(steps[1].want) != 0 ||
		steps[2].command != "a \\\n  b" || steps[3].stdin != "echo in\nexit\n" || steps[3].want[0] != "in" {
		t.Fatalf("steps: %+v", steps)
	}
	for _, c := range []struct {
		want, got []string
		ok        bool
	}{
		{[]string{"a", "...", "z"}, []string{"a", "b", "c", "z"}, true},
		{[]string{"a", "...", "z"}, []string{"a", "z"}, true},
		{[]string{"ID ... ago"}, []string{"ID 1a2b3c 2 seconds ago"}, true},
		{[]string{"NAME   IMAGE"}, []string{"NAME IMAGE"}, true},
		{[]string{"hello"}, []string{"hello", "more"}, false},
		{[]string{"a.b"}, []string{"axb"}, false},
	} {
		if outputMatches(c.want, c.got) != c.ok {
			t.Errorf("outputMatches(%q, %q) = %v", c.want, c.got, !c.ok)
		}
	}
}

// runDoc runs a tutorial's commands in order and checks each output.
func runDoc(t *testing.T, file string) {
	Require(t, "busybox", "registry")
	text, err := os.ReadFile(filepath.Join("..", "..", "docs", file))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseDoc(string(text))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	e := New(t)
	RegistryImage(t, "busybox")
	RegistryImage(t, "debian")
	e.RegistriesConf("docker.io")
	e.Setenv("REGISTRY", Registry(t).Addr)
	bin := e.Mkdir("bin")
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %s %s \"$@\"\n", Binary(), strings.Join(e.GlobalArgs, " "))
	if err := os.WriteFile(filepath.Join(bin, "skiff"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	work := e.Mkdir("work")
	cwd := e.WriteFile("cwd", work)
	port := strconv.Itoa(freePort(t))
	// DOCTEST_SHOW=1 prints every step's output and goes on: for writing
	show := os.Getenv("DOCTEST_SHOW") == "1"
	for _, s := range steps {
		cmd := strings.ReplaceAll(s.command, "8080", port)
		if s.stdin != "" {
			cmd = strings.Replace(cmd, " -it ", " -i ", 1)
		}
		script := fmt.Sprintf("export PATH=%s:$PATH\ncd \"$(cat %s)\" || exit 99\n%s\nrc=$?\npwd >%s\nexit $rc\n", bin, cwd, cmd, cwd)
		r := e.run(strings.NewReader(s.stdin), "bash", nil, []string{"--norc", "-c", "exec 2>&1\n" + script})
		got := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
		if r.Stdout == "" {
			got = nil
		}
		var want []string
		failing := false
		for _, w := range s.want {
			want = append(want, strings.ReplaceAll(w, "8080", port))
			failing = failing || strings.HasPrefix(w, "Error:")
		}
		switch {
		case failing && r.Code == 0:
			t.Errorf("%s:%d: `%s` succeeded; the tutorial shows it failing", file, s.line, s.command)
		case !failing && r.Code != 0:
			t.Errorf("%s:%d: `%s` exited %d:\n%s", file, s.line, s.command, r.Code, r.Stdout)
		case !outputMatches(want, got):
			t.Errorf("%s:%d: `%s` printed:\n%s\nthe tutorial shows:\n%s", file, s.line, s.command, r.Stdout, strings.Join(s.want, "\n"))
		}
		if show {
			fmt.Printf("---- %s:%d (exit %d)\n$ %s\n%s", file, s.line, r.Code, s.command, r.Stdout)
			continue
		}
		if t.Failed() {
			return // later steps build on this one
		}
	}
}

// TestDocTutorial runs docs/tutorial.md.
func TestDocTutorial(t *testing.T) {
	t.Parallel()
	runDoc(t, "tutorial.md")
}

// TestDocTutorialFr runs docs/tutorial.fr.md.
func TestDocTutorialFr(t *testing.T) {
	t.Parallel()
	runDoc(t, "tutorial.fr.md")
}
