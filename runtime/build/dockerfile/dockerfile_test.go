package dockerfile

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func identity(s string) (string, error) { return s, nil }

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown instruction", "FROM busybox\nRUN true\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO"},
		{"no from", "# only a comment\nARG X=1\n", "Dockerfile: the file has no FROM instruction"},
		{"instruction before from", "RUN true\nFROM busybox\n", "Dockerfile:1: no build stage in current context"},
		{"bad stage name", "FROM busybox AS 1abc\n", "Dockerfile:1: invalid name for build stage"},
		{"env without value", "FROM busybox\nENV\n", "Dockerfile:2: ENV requires at least one argument"},
		{"copy without dest", "FROM busybox\nCOPY a\n", "Dockerfile:2: COPY requires at least two arguments"},
		{"bad escape directive", "# escape=xx\nFROM busybox\n", "invalid escape token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.src), "Dockerfile")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q) = %v, want an error containing %q", tc.src, err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is more than one line: %q", err)
			}
		})
	}
}

func TestParseStagesAndDirectives(t *testing.T) {
	t.Parallel()
	src := "# syntax=docker/dockerfile:1\n# escape=`\nARG BASE=busybox\nFROM $BASE AS Build\nRUN echo a `\n  b\nFROM scratch\nCOPY --from=build /x /x\n"
	f, err := Parse([]byte(src), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if f.Syntax != "docker/dockerfile:1" || f.Escape != '`' {
		t.Errorf("directives: syntax %q escape %q", f.Syntax, f.Escape)
	}
	if len(f.Stages) != 2 || f.Stages[0].Name != "build" || f.Stages[0].Line != 4 {
		t.Fatalf("stages: %+v", f.Stages[0])
	}
	run := f.Stages[0].Commands[0].(*instructions.RunCommand)
	if got := run.CmdLine[0]; got != "echo a   b" {
		t.Errorf("continuation: %q", got)
	}
	if len(f.MetaArgs) != 1 || f.MetaArgs[0].Args[0].Key != "BASE" {
		t.Errorf("meta args: %+v", f.MetaArgs)
	}
}

func TestNeeded(t *testing.T) {
	t.Parallel()
	src := `FROM busybox AS a
RUN true
FROM busybox AS b
RUN true
FROM a AS c
COPY --from=1 /x /x
FROM busybox AS unused
RUN true
FROM c
RUN --mount=type=bind,from=b,target=/b true
COPY --from=alpine:3 /y /y
`
	f, err := Parse([]byte(src), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target string
		want   string
	}{
		{"", "a b c 4"},
		{"c", "a b c"},
		{"b", "b"},
		{"unused", "unused"},
	} {
		target, err := f.Target(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		stages, err := f.Needed(target, identity)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, st := range stages {
			n := st.Name
			if n == "" {
				n = "4"
			}
			names = append(names, n)
		}
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("target %q: stages %q, want %q", tc.target, got, tc.want)
		}
	}
	if _, err := f.Target("nope"); err == nil || !strings.Contains(err.Error(), `target stage "nope" could not be found`) {
		t.Errorf("missing target: %v", err)
	}
	deps, _ := f.Deps(f.Stages[4], identity)
	if len(deps) != 3 || deps[2].Image != "alpine:3" || deps[1].Stage.Name != "b" {
		t.Errorf("deps of the last stage: %+v", deps)
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("ARG V=1\nARG G\nFROM busybox\nARG V\nARG W=${V}x\nARG U\nARG HTTP_PROXY\nENV W=env\n"), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	build := map[string]string{"G": "g", "https_proxy": "p"}
	used := map[string]bool{}
	global := NewScope()
	for i := range f.MetaArgs {
		if err := global.Declare(&f.MetaArgs[i], build, nil, Expander('\\', nil, global), used); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(global.Pairs(), " "); got != "V=1 G=g" {
		t.Errorf("global scope %q", got)
	}
	st := NewScope()
	for _, cmd := range f.Stages[0].Commands {
		if a, ok := cmd.(*instructions.ArgCommand); ok {
			if err := st.Declare(a, build, global, Expander('\\', nil, st), used); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := strings.Join(st.Pairs(), " "); got != "V=1 W=1x" {
		t.Errorf("stage scope %q", got)
	}
	if got := strings.Join(st.Env([]string{"W=env"}, build), " "); got != "V=1 https_proxy=p" {
		t.Errorf("RUN env %q", got)
	}
	exp := Expander('\\', []string{"W=env"}, st)
	if got, _ := exp("$V-$W-${U:-unset}"); got != "1-env-unset" {
		t.Errorf("expansion %q", got)
	}
	if !used["G"] || used["https_proxy"] {
		t.Errorf("used build args: %v", used)
	}
}
