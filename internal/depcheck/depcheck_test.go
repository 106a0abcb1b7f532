// Package depcheck enforces the import edges docs/internal.md draws:
// main -> commands -> runtime -> storage, netns, rootless -> internal.
// Within them: commands reach storage only through runtime's verbs
// (runtime/image, runtime/volume, ...) and record no events; networks
// know containers only through a callback; the engine sits at the bottom
// of runtime.
package depcheck

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/skiff-containers/skiff/"

// forbidden maps a package prefix (relative to the module) to the prefixes
// it must not import.
var forbidden = map[string][]string{
	"internal/": {"commands", "runtime/", "storage", "netns", "rootless"},
	"storage":   {"commands", "runtime/", "netns", "rootless"},
	"netns":     {"commands", "runtime/", "storage", "rootless"},
	"rootless":  {"commands", "runtime/", "storage", "netns"},
	"runtime/":  {"commands"},
	// the Dockerfile and context readers are pure: no storage, no runtime
	"runtime/build/dockerfile": {"commands", "runtime/", "storage", "netns", "rootless", "internal/"},
	"runtime/build/buildctx":   {"commands", "runtime/", "storage", "netns", "rootless", "internal/"},
	// commands write nothing themselves: runtime's verbs open the store
	"commands": {"storage"},
	// networks know containers only through network.Users
	"runtime/network": {"runtime/container"},
	"runtime/engine":  {"runtime/"},
	// the infra process is C and imports nothing; pods sit above
	// containers, kube above pods
	"runtime/infra":     {"commands", "runtime/", "storage", "netns", "rootless", "internal/"},
	"runtime/container": {"runtime/pod", "runtime/kube", "runtime/compose"},
	"runtime/pod":       {"runtime/kube", "runtime/compose"},
}

// cliUsers are the only packages that may import the CLI library.
var cliUsers = []string{"commands", ""}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportEdges(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-json", module+"...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("go list: %v", err)
	}
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, strings.TrimSuffix(module, "/")), "/")
		if strings.HasPrefix(rel, "test/") || strings.HasPrefix(rel, "hack/") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/urfave/cli") && !isCLIUser(rel) {
				t.Errorf("%s imports %s: only main and commands talk to the terminal", p.ImportPath, imp)
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			target := strings.TrimPrefix(imp, module)
			for from, bans := range forbidden {
				if !under(rel, from) {
					continue
				}
				for _, ban := range bans {
					if under(target, ban) {
						t.Errorf("%s imports %s: %s must not import %s (docs/internal.md)", rel, target, from, ban)
					}
				}
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// under reports whether package path p is prefix, or inside it when the
// prefix ends with a slash.
func under(p, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(p, prefix)
	}
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func isCLIUser(rel string) bool {
	for _, u := range cliUsers {
		if rel == u || under(rel, "commands") {
			return true
		}
	}
	return false
}

// TestCommandsRecordNoEvents: an event is recorded by the verb that did
// the work (runtime/...), so every caller of the verb records it; the
// command line only reads the log (events).
func TestCommandsRecordNoEvents(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../commands/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no commands sources: %v", err)
	}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		name := ""
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == module+"runtime/events" {
				name = "events"
				if imp.Name != nil {
					name = imp.Name.Name
				}
			}
		}
		if name == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Record" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == name {
					t.Errorf("%s records an event: the runtime verb it calls must", filepath.Base(file))
				}
			}
			return true
		})
	}
}
