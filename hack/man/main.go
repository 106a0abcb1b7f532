// Command man keeps and builds skiff's man pages (docs/man):
//
//	go run ./hack/man check          what the pages lack or have too much, against the command tree
//	go run ./hack/man sync           write a skeleton for each new command, add each new flag from --help
//	go run ./hack/man build OUTDIR   expand the includes and run go-md2man: OUTDIR/man1/*.1
//
// The pages' prose is written by hand; the command tree keeps their
// SYNOPSIS and OPTIONS complete (commands/man.go).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skiff-containers/skiff/commands"
)

const dir = "docs/man"

func main() {
	if len(os.Args) < 2 {
		fail("usage: man check | sync | build OUTDIR")
	}
	switch os.Args[1] {
	case "check":
		if problems := commands.CheckMan(dir); len(problems) > 0 {
			fail(strings.Join(problems, "\n"))
		}
	case "sync":
		did, err := commands.SyncMan(dir)
		for _, d := range did {
			fmt.Println(d)
		}
		if err != nil {
			fail(err.Error())
		}
	case "build":
		if len(os.Args) != 3 {
			fail("usage: man build OUTDIR")
		}
		if err := build(filepath.Join(os.Args[2], "man1")); err != nil {
			fail(err.Error())
		}
	default:
		fail("unknown verb " + os.Args[1] + ": check, sync or build")
	}
}

func build(out string) error {
	pages, links, err := commands.ManSources(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		target := filepath.Join(out, strings.TrimSuffix(n, ".md"))
		cmd := exec.Command("go-md2man", "-out", target)
		cmd.Stdin = strings.NewReader(pages[n])
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go-md2man %s: %v: %s (install the go-md2man package)", n, err, msg)
		}
	}
	for link, target := range links {
		if err := os.WriteFile(filepath.Join(out, link), []byte(".so man1/"+target+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d pages and %d links in %s\n", len(pages), len(links), out)
	return nil
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}
