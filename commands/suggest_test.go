package commands

import (
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"run", "run", 0}, {"rnu", "run", 1}, {"run", "", 3}, {"memroy", "memory", 1},
		{"imgaes", "images", 1}, {"lss", "ls", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestDidYouMean: a mistyped command or flag is answered with the one it
// most likely meant, in the same one line; a word close to nothing gets
// no guess.
func TestDidYouMean(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rnu", "busybox"}, `unknown command "rnu" for "skiff": did you mean "run"? (see 'skiff --help')`},
		{[]string{"imgaes"}, `did you mean "images"?`},
		{[]string{"network", "creat", "x"}, `unknown command "creat" for "skiff network": did you mean "create"?`},
		{[]string{"xyz"}, `unknown command "xyz" for "skiff" (see 'skiff --help')`},
		{[]string{"run", "--memroy", "1g", "busybox"}, "unknown flag: --memroy: did you mean --memory? (see 'skiff run --help')"},
		{[]string{"ps", "--al"}, "did you mean --all?"},
		{[]string{"--debg", "ps"}, "unknown flag: --debg: did you mean --debug? (see 'skiff --help')"},
		{[]string{"run", "--zzzzzz", "busybox"}, "unknown flag: --zzzzzz (see 'skiff run --help')"},
	} {
		app := NewApp("skiff")
		app.Before = nil
		err := app.Run(append([]string{"skiff"}, c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("skiff %s: got %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
