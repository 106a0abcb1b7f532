package monitor

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/runtime/attach"
)

// The attach protocol's frame kinds are written twice: as the KIND_*
// enum in monitor.c and as the Kind* constants of runtime/attach. This
// test reads both sources and fails when they disagree: a kind missing on
// one side, or numbered differently.
func TestFrameKindsAgree(t *testing.T) {
	t.Parallel()
	c := cKinds(t)
	goKinds := goKinds(t)
	if len(c) == 0 || len(goKinds) == 0 {
		t.Fatalf("no frame kinds found: monitor.c %v, runtime/attach %v", c, goKinds)
	}
	for name, k := range c {
		g, ok := goKinds[name]
		switch {
		case !ok:
			t.Errorf("monitor.c has %s = %d, runtime/attach has no such kind", k.name, k.value)
		case g != k.value:
			t.Errorf("%s is %d in monitor.c, %d in runtime/attach", k.name, k.value, g)
		}
	}
	for name, v := range goKinds {
		if _, ok := c[name]; !ok {
			t.Errorf("runtime/attach has a kind %s = %d that monitor.c lacks", name, v)
		}
	}
	// The compiled constants are what the parsed Go source says.
	for name, v := range map[string]byte{
		"STDIN": attach.KindStdin, "STDOUT": attach.KindStdout, "STDERR": attach.KindStderr,
		"EXIT": attach.KindExit, "RESIZE": attach.KindResize, "CLOSESTDIN": attach.KindCloseStdin,
		"HELLO": attach.KindHello, "REAPED": attach.KindReaped, "CLEANEDUP": attach.KindCleanedUp,
	} {
		if goKinds[name] != int(v) {
			t.Errorf("runtime/attach source and build disagree on %s", name)
		}
	}
}

// cKind is one KIND_* of monitor.c.
type cKind struct {
	name  string
	value int
}

// cKinds reads the KIND_* enum of monitor.c, by name without "KIND_" and
// underscores.
func cKinds(t *testing.T) map[string]cKind {
	t.Helper()
	src, err := os.ReadFile("monitor.c")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cKind{}
	for _, m := range regexp.MustCompile(`(?m)^\s*KIND_([A-Z_]+)\s*=\s*(\d+)\s*,`).FindAllStringSubmatch(string(src), -1) {
		v, _ := strconv.Atoi(m[2])
		out[strings.ReplaceAll(m[1], "_", "")] = cKind{"KIND_" + m[1], v}
	}
	return out
}

// goKinds reads the Kind* constants of runtime/attach: name (upper case,
// without "Kind") -> value.
func goKinds(t *testing.T) map[string]int {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../attach/attach.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != len(vs.Names) {
			return true
		}
		for i, id := range vs.Names {
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok || !strings.HasPrefix(id.Name, "Kind") || lit.Kind != token.INT {
				continue
			}
			v, _ := strconv.Atoi(lit.Value)
			out[strings.ToUpper(strings.TrimPrefix(id.Name, "Kind"))] = v
		}
		return true
	})
	return out
}
