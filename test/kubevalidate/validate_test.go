package kubevalidate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiff-containers/skiff/test/kubevalidate/schema"
)

// testdata is skiff's runtime/kube/testdata: the YAML its unit tests
// generate (one golden file per mapping rule), and the documents its
// play tests read.
var testdata = filepath.Join("..", "..", "runtime", "kube", "testdata")

func files(t *testing.T, pattern string) []string {
	t.Helper()
	fs, err := filepath.Glob(filepath.Join(testdata, pattern))
	if err != nil || len(fs) == 0 {
		t.Fatalf("no files %s: %v", pattern, err)
	}
	return fs
}

// Every document skiff generates decodes strictly into k8s.io/api's
// types and passes the Kubernetes API's validation.
func TestGeneratedYAMLIsValid(t *testing.T) {
	t.Parallel()
	all := append(files(t, "generate/*.yaml"), files(t, "compose/*.k8s.yaml")...)
	all = append(all, files(t, "play/good/*.yaml")...)
	for _, f := range all {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := All(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(docs) == 0 {
			t.Errorf("%s: no document", f)
		}
	}
}

// Every document skiff's play refuses (play/bad) is refused by the
// Kubernetes API too: skiff refuses nothing Kubernetes would accept.
func TestRefusedYAMLIsInvalid(t *testing.T) {
	t.Parallel()
	for _, f := range files(t, "play/bad/*.yaml") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := All(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: Kubernetes accepts it, skiff refuses it", f)
		} else {
			t.Logf("%s: %v", filepath.Base(f), err)
		}
	}
}

// runtime/kube/schema.go is what package schema generates from k8s.io/api.
func TestSchemaUpToDate(t *testing.T) {
	t.Parallel()
	want, err := schema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "runtime", "kube", "schema.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("runtime/kube/schema.go is out of date: go run ./cmd/kubeschema ../../runtime/kube/schema.go (in test/kubevalidate)")
	}
}
