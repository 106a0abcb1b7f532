package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// bashComplete sources `skiff completion bash` in bash, sets COMP_LINE,
// COMP_POINT, COMP_WORDS and COMP_CWORD as bash does for line (the cursor
// at its end) and returns COMPREPLY.
func bashComplete(e *Env, script, line string) []string {
	e.T.Helper()
	// bash's own split: words at blanks, and the characters of
	// COMP_WORDBREAKS "=" and ":" as words of their own
	var words []string
	for _, f := range strings.Fields(line) {
		for f != "" {
			i := strings.IndexAny(f, "=:")
			if i < 0 {
				words = append(words, f)
				break
			}
			if i > 0 {
				words = append(words, f[:i])
			}
			words = append(words, f[i:i+1])
			f = f[i+1:]
		}
	}
	if strings.HasSuffix(line, " ") || len(words) == 0 {
		words = append(words, "")
	}
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	cmd := "source " + script + "\n" +
		"COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}\n" +
		"COMP_WORDS=(" + strings.Join(quoted, " ") + "); COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n" +
		"_skiff_skiff_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	r := e.Exec("bash", "--norc", "-c", cmd).Success(e.T)
	var out []string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// The bash completion completes commands, flags, flag values and the
// names of containers (by state), images, volumes and networks, through
// `skiff __complete`.
func TestCompletionBash(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := completionObjects(t)
	e.WriteFile("compose.yaml", "services:\n  frontend:\n    image: busybox\n  db:\n    image: busybox\n")
	e.WriteFile("other/compose.yaml", "services:\n  api:\n    image: busybox\n")
	script := e.WriteFile("skiff.bash", e.Skiff("completion", "bash").Success(t).Stdout)
	pre := Binary() + " " + strings.Join(e.GlobalArgs, " ") + " "
	for _, c := range []struct {
		line      string
		want, not []string
	}{
		{"ru", []string{"run"}, []string{"rm"}},
		{"container l", []string{"logs", "ls", "list"}, nil},
		{"run --rest", []string{"--restart"}, nil},
		{"run --restart ", []string{"always", "unless-stopped", "on-failure", "no"}, nil},
		{"stop ", []string{"web"}, []string{"old"}},
		{"exec w", []string{"web"}, nil},
		{"start ", []string{"old"}, []string{"web"}},
		{"rm ", []string{"old"}, []string{"web"}},
		{"logs ", []string{"web", "old"}, nil},
		{"inspect ", []string{"web", "old", "cache", "appnet", "busybox:latest"}, nil},
		{"run --network ", []string{"appnet", "bridge", "host", "none"}, nil},
		{"run --network=app", []string{"appnet"}, nil},
		{"run -d --name x ", []string{"busybox:latest"}, nil},
		{"rmi busy", []string{"busybox:latest"}, nil},
		{"volume rm ", []string{"cache"}, nil},
		{"network rm ", []string{"appnet"}, nil},
		{"cp we", []string{"web:"}, nil},
		{"completion ", []string{"bash", "zsh", "fish"}, nil},
		{"compose logs -f ", []string{"frontend", "db"}, nil}, // the services of ./compose.yaml
		{"compose --project-directory other up ", []string{"api"}, []string{"db"}},
		{"run busybox --rest", nil, []string{"--restart"}}, // the container's own flags
	} {
		got := bashComplete(e, script, pre+c.line)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: completions %q lack %q", c.line, got, w)
			}
		}
		for _, w := range c.not {
			if slices.Contains(got, w) {
				t.Errorf("%q: completions %q include %q", c.line, got, w)
			}
		}
	}
}

// fishComplete sources `skiff completion fish` in fish and returns the
// values fish offers for line (`complete -C`), without descriptions.
func fishComplete(e *Env, script, line string) []string {
	e.T.Helper()
	r := e.Exec("fish", "--no-config", "-c", "source "+script+"; complete -C '"+line+"'").Success(e.T)
	var out []string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if v, _, _ := strings.Cut(l, "\t"); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// zshComplete sources `skiff completion zsh` in zsh and calls its function
// as zsh's completion system would for line (words, CURRENT), with
// compadd and _files replaced by functions that print what they are
// given: the script's own logic, without a terminal for zle.
func zshComplete(e *Env, script, line string) []string {
	e.T.Helper()
	words := strings.Fields(line)
	if strings.HasSuffix(line, " ") {
		words = append(words, "")
	}
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	cmd := "compdef() { :; }\n" +
		"compadd() { local a; for a in \"$@\"; do print -r -- \"$a\"; done }\n" +
		"_files() { :; }\n" +
		"source " + script + "\n" +
		"words=(" + strings.Join(quoted, " ") + ") CURRENT=" + strconv.Itoa(len(words)) + "\n" +
		"_skiff_skiff_complete\n"
	r := e.Exec("zsh", "-f", "-c", cmd).Success(e.T)
	var out []string
	for _, l := range strings.Split(r.Stdout, "\n") {
		// compadd's options and the descriptions' array name are not values
		if l != "" && !strings.HasPrefix(l, "-") && l != "descs" {
			out = append(out, l)
		}
	}
	return out
}

// completionObjects is an environment holding what the completions name:
// a running container web, a created one old, the busybox image, volume
// cache and network appnet.
func completionObjects(t *testing.T) *Env {
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "-d", "--name", "web", img, "sleep", "100").Success(t)
	e.Skiff("create", "--name", "old", img, "true").Success(t)
	e.Skiff("volume", "create", "cache").Success(t)
	e.Skiff("network", "create", "appnet").Success(t)
	return e
}

// The zsh and fish completions offer what bash's does: container names by
// state, images, volumes and networks.
func TestCompletionZshFish(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := completionObjects(t)
	pre := Binary() + " " + strings.Join(e.GlobalArgs, " ") + " "
	for sh, complete := range map[string]func(*Env, string, string) []string{"fish": fishComplete, "zsh": zshComplete} {
		if _, err := exec.LookPath(sh); err != nil {
			t.Logf("%s is not installed: its completion is not tried", sh)
			continue
		}
		script := e.WriteFile("completion."+sh, e.Skiff("completion", sh).Success(t).Stdout)
		for _, c := range []struct {
			line      string
			want, not []string
		}{
			{"ru", []string{"run"}, []string{"rm"}},
			{"stop ", []string{"web"}, []string{"old"}},
			{"exec w", []string{"web"}, nil},
			{"start ", []string{"old"}, []string{"web"}},
			{"rmi busy", []string{"busybox:latest"}, nil},
			{"volume rm ", []string{"cache"}, nil},
			{"network rm ", []string{"appnet"}, nil},
			{"run --network ", []string{"appnet", "host", "none"}, nil},
		} {
			got := complete(e, script, pre+c.line)
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: %q: completions %q lack %q", sh, c.line, got, w)
				}
			}
			for _, w := range c.not {
				if slices.Contains(got, w) {
					t.Errorf("%s: %q: completions %q include %q", sh, c.line, got, w)
				}
			}
		}
	}
}

// Completing container, volume and network names starts no pause
// process: those names come from skiff's records.
func TestCompletionNoNamespace(t *testing.T) {
	Require(t, "rootless")
	t.Parallel()
	e := New(t)
	for _, words := range [][]string{{"stop", ""}, {"volume", "rm", ""}, {"run", "--network", ""}, {"ru"}} {
		r := e.Skiff(append([]string{"__complete"}, words...)...).Success(t)
		if !strings.HasPrefix(r.Stdout, ":") {
			t.Errorf("__complete %q = %q", words, r.Stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(e.RuntimeDir(), "pause.pid")); err == nil {
		t.Errorf("completing names started the pause process (%s exists)", filepath.Join(e.RuntimeDir(), "pause.pid"))
	}
}

// The zsh and fish scripts are valid for their shells.
func TestCompletionScriptsParse(t *testing.T) {
	t.Parallel()
	e := New(t)
	for _, sh := range []string{"zsh", "fish", "bash"} {
		if _, err := exec.LookPath(sh); err != nil {
			t.Logf("%s is not installed: its script is not checked", sh)
			continue
		}
		f := e.WriteFile("completion."+sh, e.Skiff("completion", sh).Success(t).Stdout)
		e.Exec(sh, "-n", f).Success(t)
	}
	e.Skiff("completion", "tcsh").Fail(t, 125, "unsupported shell")
}
