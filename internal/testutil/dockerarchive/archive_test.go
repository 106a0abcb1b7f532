package dockerarchive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/archive"
)

// buildArchive makes a one-layer archive from a small tree and returns its
// bytes and path.
func buildArchive(t *testing.T, dir string, epoch time.Time) ([]byte, string) {
	t.Helper()
	layer := filepath.Join(t.TempDir(), "layer.tar")
	f, err := os.Create(layer)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteLayerFromDir(f, dir, LayerOptions{Epoch: epoch, RootOwned: true}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var buf bytes.Buffer
	img := Image{
		RepoTags: []string{"example:one"}, Layers: []string{layer}, Created: epoch, CreatedBy: "test",
		Config: ociv1.ImageConfig{Cmd: []string{"sh"}, Env: []string{"PATH=/bin"}},
	}
	if err := Write(&buf, []Image{img}, epoch); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "img.tar")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), out
}

func TestDockerArchiveIsDeterministicAndReadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{"bin/sh": "#!x", "etc/passwd": "root:x:0:0::/root:/bin/sh\n"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("sh", filepath.Join(dir, "bin", "ash")); err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(1700000000, 0)
	a, path := buildArchive(t, dir, epoch)
	// touching the files must not change the result: times are normalised
	now := time.Now()
	_ = os.Chtimes(filepath.Join(dir, "bin", "sh"), now, now)
	b, _ := buildArchive(t, dir, epoch)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same tree differ")
	}

	ref, err := archive.ParseReference(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := ref.NewImage(context.Background(), nil)
	if err != nil {
		t.Fatalf("go.podman.io/image cannot read the archive: %v", err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Config.Cmd) != 1 || cfg.Config.Cmd[0] != "sh" || len(cfg.RootFS.DiffIDs) != 1 {
		t.Fatalf("config read back = %+v", cfg)
	}
}
