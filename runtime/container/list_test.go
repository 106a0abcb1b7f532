package container

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/storage"
)

// The spec is kept beside the record: listing reads records without it
// and keeps everything else; a full load has both.
func TestRecordWithoutSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := engine.New(engine.Config{Storage: storage.Options{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run")}})
	c := &Container{e: e, Record: Record{ID: "abc", Name: "web", Created: time.Unix(1700000000, 0).UTC(), Path: "sh", Args: []string{"-c", "x"},
		Spec: &specs.Spec{Hostname: "h", Process: &specs.Process{Args: []string{"sh"}}}}}
	c.Config.Labels = map[string]string{"a": "b"}
	c.HostConfig.NetworkMode = "none"
	if err := os.MkdirAll(c.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := c.saveRecord(); err != nil {
		t.Fatal(err)
	}
	light, err := loadSummary(e, "abc")
	if err != nil {
		t.Fatal(err)
	}
	got := light.Record
	if got.Spec != nil || got.ID != "abc" || got.Name != "web" || !got.Created.Equal(c.Created) || got.Path != "sh" ||
		len(got.Args) != 2 || got.Config.Labels["a"] != "b" || got.HostConfig.NetworkMode != "none" {
		t.Errorf("summary %+v", got)
	}
	full, err := load(e, "abc")
	if err != nil {
		t.Fatal(err)
	}
	if full.Spec == nil || full.Spec.Hostname != "h" || full.Config.Labels["a"] != "b" {
		t.Errorf("full load %+v", full.Record)
	}
}
