package format

import (
	"bytes"
	"errors"
	"regexp"
	"testing"
	"text/template/parse"
	"time"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

type fuzzItem struct {
	ID      string
	Names   []string
	Labels  map[string]string
	Created time.Time
	Size    int64
	State   struct{ Running bool }
	Ports   map[string][]struct{ HostIP, HostPort string }
}

// huge is a number big enough to make a template's own loop or padding
// run for minutes: the user asked for it, and the fuzzer skips it.
var huge = regexp.MustCompile(`[0-9]{5,}|[0-9][eE][0-9]|0[xXoObB]`)

// limited fails writes past 1 MB, so that no template fills the memory.
type limited struct{ bytes.Buffer }

func (l *limited) Write(p []byte) (int, error) {
	if l.Len()+len(p) > 1<<20 {
		return 0, errors.New("output limit")
	}
	return l.Buffer.Write(p)
}

// --format templates, run on an inspect-like object as ps, images and
// inspect run them.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"{{.ID}}", "{{json .}}", "table {{.ID}}\t{{.Names}}", "{{range .Names}}{{.}} {{end}}",
		`{{index .Labels "a"}}`, "{{.State.Running}}", "{{join .Names \",\"}}", "{{upper .ID | lower | title}}",
		"{{truncate .ID 3}}", "{{split .ID \"a\"}}", "{{(index (index .Ports \"80/tcp\") 0).HostPort}}", "{{.Nope}}", "{{", "{{end}}",
		"{{.Created.Format \"2006\"}}", "{{printf \"%s\" .ID}}", "{{range $k, $v := .Labels}}{{$k}}={{$v}}{{end}}", "json", "table"} {
		f.Add(s)
	}
	item := fuzzItem{ID: "abc", Names: []string{"a", "b"}, Labels: map[string]string{"a": "1"}, Created: time.Unix(1, 0), Size: 10}
	item.Ports = map[string][]struct{ HostIP, HostPort string }{"80/tcp": {{"0.0.0.0", "8080"}}}
	f.Fuzz(func(t *testing.T, text string) {
		tmpl, err := Parse(text)
		fuzzcheck.OneLine(t, "--format", err)
		if err != nil || huge.MatchString(text) || !boundedRanges(tmpl.Tree.Root) {
			return
		}
		_ = tmpl.Execute(&limited{}, item)
		l, err := NewLister(&limited{}, text, "{{.ID}}", map[string]string{"ID": "CONTAINER ID"})
		fuzzcheck.OneLine(t, "--format", err)
		if err == nil {
			_ = l.Row(item)
			_ = l.Flush()
		}
		_ = Object(&limited{}, text, item)
	})
}

// boundedRanges reports whether every range in the template iterates
// over data (a field or the dot), not over a number it computes.
func boundedRanges(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return true
		}
		for _, c := range n.Nodes {
			if !boundedRanges(c) {
				return false
			}
		}
	case *parse.RangeNode:
		for _, c := range n.Pipe.Cmds {
			for _, a := range c.Args {
				switch a.(type) {
				case *parse.FieldNode, *parse.DotNode, *parse.ChainNode:
				default:
					return false
				}
			}
		}
		return boundedRanges(n.List) && boundedRanges(n.ElseList)
	case *parse.IfNode:
		return boundedRanges(n.List) && boundedRanges(n.ElseList)
	case *parse.WithNode:
		return boundedRanges(n.List) && boundedRanges(n.ElseList)
	}
	return true
}
