package commands

import (
	"bytes"
	"slices"
	"testing"
)

func fakeNames(kind argKind) []Candidate {
	switch kind {
	case argRunning:
		return []Candidate{{"web", ""}}
	case argStopped:
		return []Candidate{{"old", ""}}
	case argAnyCtr:
		return []Candidate{{"web", ""}, {"old", ""}}
	case argImage:
		return []Candidate{{"busybox:latest", ""}}
	case argVolume:
		return []Candidate{{"data", ""}}
	case argNetwork:
		return []Candidate{{"bridge", ""}, {"appnet", ""}}
	case argService:
		return []Candidate{{"db", ""}, {"frontend", ""}}
	}
	return nil
}

func TestComplete(t *testing.T) {
	t.Parallel()
	app := NewApp("skiff")
	for _, c := range []struct {
		words []string
		want  []string // all of these, in any order
		not   []string
		files bool
	}{
		{words: []string{"ru"}, want: []string{"run"}},
		{words: []string{"container", "l"}, want: []string{"logs", "ls", "list"}},
		{words: []string{"--root", "/x", "sto"}, want: []string{"stop"}},
		{words: []string{"-l", "debug", "st"}, want: []string{"start", "stats", "stop"}},
		{words: []string{"--lo"}, want: []string{"--log-level"}},
		{words: []string{"run", "--rest"}, want: []string{"--restart"}},
		{words: []string{"run", "--restart", ""}, want: []string{"no", "always", "unless-stopped", "on-failure"}},
		{words: []string{"run", "--restart="}, want: []string{"--restart=always"}},
		{words: []string{"run", "-dp", "80", ""}, want: []string{"busybox:latest"}},
		{words: []string{"run", "--network", ""}, want: []string{"appnet", "bridge", "host", "none"}},
		{words: []string{"container", "run", "--net=app"}, want: []string{"--net=appnet"}},
		{words: []string{"run", "busybox", "--rest"}, not: []string{"--restart"}, files: true},
		{words: []string{"run", "-v", ""}, want: []string{"data"}, files: true},
		{words: []string{"stop", ""}, want: []string{"web"}, not: []string{"old"}},
		{words: []string{"stop", "web", ""}, want: []string{"web"}},
		{words: []string{"start", ""}, want: []string{"old"}, not: []string{"web"}},
		{words: []string{"rm", "-f", ""}, want: []string{"old"}},
		{words: []string{"exec", "-it", "w"}, want: []string{"web"}},
		{words: []string{"exec", "web", ""}, files: true},
		{words: []string{"inspect", ""}, want: []string{"web", "old", "busybox:latest", "data", "appnet"}},
		{words: []string{"network", "connect", ""}, want: []string{"appnet"}},
		{words: []string{"network", "connect", "appnet", ""}, want: []string{"web", "old"}},
		{words: []string{"cp", "w"}, want: []string{"web:"}, files: true},
		{words: []string{"volume", "rm", ""}, want: []string{"data"}},
		{words: []string{"completion", ""}, want: []string{"bash", "zsh", "fish"}},
		{words: []string{"build", "-f", ""}, files: true},
		{words: []string{"unshare", ""}, files: true},
		{words: []string{"compose", "up", ""}, want: []string{"db", "frontend"}},
		{words: []string{"compose", "-f", "x.yaml", "logs", "-f", "fr"}, want: []string{"frontend"}, not: []string{"db"}},
		{words: []string{"compose", "exec", "-T", ""}, want: []string{"db"}},
		{words: []string{"compose", "exec", "db", ""}, files: true},
		{words: []string{"compose", "ls", ""}, not: []string{"db"}},
	} {
		got := Complete(app, c.words, fakeNames)
		var vals []string
		for _, cand := range got.Candidates {
			vals = append(vals, cand.Value)
		}
		for _, w := range c.want {
			if !slices.Contains(vals, w) {
				t.Errorf("%q: %q lacks %q", c.words, vals, w)
			}
		}
		for _, w := range c.not {
			if slices.Contains(vals, w) {
				t.Errorf("%q: %q has %q", c.words, vals, w)
			}
		}
		if got.Files != c.files {
			t.Errorf("%q: files %v, want %v", c.words, got.Files, c.files)
		}
	}
}

func TestWriteCompletion(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeCompletion(&b, Completion{Candidates: []Candidate{{"run", "Create and\nrun"}, {"x", ""}}, Files: true})
	if got := b.String(); got != ":files\nrun\tCreate and run\nx\n" {
		t.Errorf("got %q", got)
	}
}

// TestComposeLoadOptions: services are completed from the project the
// command line names.
func TestComposeLoadOptions(t *testing.T) {
	t.Parallel()
	app := NewApp("skiff")
	o := composeLoadOptions(app, []string{"--root", "/r", "compose", "-f", "a.yaml", "--file=b.yaml", "--ansi", "never",
		"-p", "shop", "--project-directory", "/srv", "--profile", "dev", "logs", "-f", ""})
	if !slices.Equal(o.Files, []string{"a.yaml", "b.yaml"}) || o.ProjectName != "shop" || o.ProjectDirectory != "/srv" ||
		!slices.Equal(o.Profiles, []string{"dev"}) {
		t.Errorf("composeLoadOptions = %+v", o)
	}
	if o := composeLoadOptions(app, []string{"compose", "--bogus", "up", ""}); o.Files != nil || o.ProjectName != "" {
		t.Errorf("an unknown flag: %+v", o)
	}
}
