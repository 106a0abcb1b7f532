package e2e

import (
	"crypto/sha256"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// buildContext writes a build context under the test's directory: files
// by name (a Dockerfile among them, usually) and returns its path.
func buildContext(e *Env, name string, files map[string]string) string {
	e.T.Helper()
	dir := e.Mkdir(name)
	for f, content := range files {
		e.WriteFile(filepath.Join(name, f), content)
	}
	return dir
}

// cacheHits counts "---> Using cache" lines of a build's output.
func cacheHits(out string) int { return strings.Count(out, "---> Using cache") }

// buildSteps lists the "Step N/M : INSTRUCTION" lines of a build's output.
func buildSteps(out string) []string {
	var steps []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Step ") {
			steps = append(steps, l)
		}
	}
	return steps
}

// noBuildLeftovers checks that a build left no container, step record or
// mount behind (ps -a never shows build steps).
func noBuildLeftovers(t *testing.T, e *Env) {
	t.Helper()
	noContainers(e)
	if steps, _ := filepath.Glob(filepath.Join(e.Root, "skiff", "build-steps", "*")); len(steps) > 0 {
		t.Errorf("build step markers left: %v", steps)
	}
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// buildFails checks a failed build: exit 1 (docker's code for a build
// failure) and one Error line containing want.
func buildFails(t *testing.T, r Result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if r.Code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") || !strings.Contains(lines[0], want) {
		t.Errorf("%v: exit %d, stderr %q; want exit 1 and one Error line containing %q", r.Args, r.Code, r.Stderr, want)
	}
}

func goarch() string { return runtime.GOARCH }
