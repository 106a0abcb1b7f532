package errdefs

import (
	"fmt"
	"testing"

	"github.com/skiff-containers/skiff/internal/dialect"
)

// The dialect words a missing object when it is printed, wrapped or not,
// and picks a bulk verb's exit code (podman-rm(1) EXIT STATUS).
func TestDialects(t *testing.T) {
	defer dialect.Set(dialect.Docker)
	inUse := InUse("volume in use")
	other := fmt.Errorf("disk full")
	for _, tc := range []struct {
		d          *dialect.Dialect
		msg        string
		rm, stop   int
		rmMixed    int
		rmFailures int
	}{
		{dialect.Docker, "starting web: No such container: web", 1, 1, 1, 1},
		{dialect.Podman, `starting web: no container with name or ID "web" found: no such container`, 1, 125, 2, 125},
	} {
		dialect.Set(tc.d)
		missing := fmt.Errorf("starting web: %w", NoSuchContainer("web"))
		if got := missing.Error(); got != tc.msg {
			t.Errorf("%s: %q, want %q", tc.d.Name, got, tc.msg)
		}
		if !IsNotFound(missing) || ExitCode(missing) != ExitSkiff {
			t.Errorf("%s: a missing container is no ErrNotFound, or exits %d", tc.d.Name, ExitCode(missing))
		}
		checks := []struct {
			errs    []error
			removes bool
			want    int
		}{
			{[]error{missing}, true, tc.rm},
			{[]error{missing}, false, tc.stop},
			{[]error{missing, inUse}, true, tc.rmMixed},
			{[]error{missing, other}, true, tc.rmFailures},
			{nil, true, 0},
		}
		for _, c := range checks {
			if got := BulkExitCode(c.errs, c.removes, 1); got != c.want {
				t.Errorf("%s: BulkExitCode(%v, removes %v) = %d, want %d", tc.d.Name, c.errs, c.removes, got, c.want)
			}
		}
	}
}

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain message\n":          "plain message",
		"invalid value \"/\n\": x": `invalid value "/\n": x`,
		"a\r\nb\x1b[31mc\td\x7f":   `a\r\nb\x1b[31mc` + "\t" + `d\x7f`,
		"héllo, wörld":             "héllo, wörld",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}
