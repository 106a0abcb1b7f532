package image

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/reexec"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/storage"
)

func TestMain(m *testing.M) {
	if reexec.Init() { // go.podman.io/storage re-executes the test binary
		return
	}
	os.Exit(m.Run())
}

// newStore opens a vfs store in a temporary directory; storing layers
// needs root (chown), so the test is skipped for other users.
func newStore(t *testing.T) *storage.Store {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root: the store chowns layer files")
	}
	dir := t.TempDir()
	s, err := storage.Open(storage.Options{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), Driver: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func importTar(t *testing.T, s *storage.Store, ref string, files map[string]string, changes ...string) *Image {
	t.Helper()
	img, err := Import(context.Background(), s, &types.SystemContext{}, ImportOptions{
		Source: "-", Stdin: bytes.NewReader(tarOf(t, files)), Reference: ref, Changes: changes,
	})
	if err != nil {
		t.Fatalf("import %s: %v", ref, err)
	}
	return img
}

func names(t *testing.T, s *storage.Store) string {
	t.Helper()
	list, err := List(context.Background(), s, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sum := range list {
		if len(sum.Tags) == 0 {
			out = append(out, "<none>@"+ShortID(sum.ID))
		}
		for _, tag := range sum.Tags {
			out = append(out, tag.Repository+":"+tag.Tag)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestImportTagRemove(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	img := importTar(t, s, "first", map[string]string{"hello": "world"}, `CMD ["sh"]`, "LABEL a=b")
	if img.Docker.Config.Cmd[0] != "sh" || img.Config.Config.Labels["a"] != "b" || img.Named.String() != "docker.io/library/first:latest" {
		t.Errorf("imported image: %+v", img.Docker.Config)
	}
	if err := Tag(s, "first", "second:v1"); err != nil {
		t.Fatal(err)
	}
	if got := names(t, s); got != "first:latest second:v1" {
		t.Errorf("names = %q", got)
	}
	rep, err := Remove(ctx, s, "second:v1", RemoveOptions{})
	if err != nil || len(rep.Deleted) != 0 || rep.Untagged[0] != "second:v1" {
		t.Errorf("rmi second:v1 = %+v, %v", rep, err)
	}
	_ = Tag(s, "first", "third")
	if _, err := Remove(ctx, s, img.ID[:12], RemoveOptions{}); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("rmi ID of a multi-named image: %v", err)
	}
	rep, err = Remove(ctx, s, img.ID[:12], RemoveOptions{Force: true})
	if err != nil || len(rep.Deleted) == 0 || len(rep.Untagged) < 2 {
		t.Errorf("rmi -f ID = %+v, %v", rep, err)
	}
	if _, err := Remove(ctx, s, "first", RemoveOptions{}); !errors.Is(err, errdefs.ErrNotFound) || err.Error() != "No such image: first" {
		t.Errorf("rmi of a removed image: %v", err)
	}
}

func TestRemoveInUse(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	img := importTar(t, s, "used", map[string]string{"a": "b"})
	if _, err := s.CreateContainer("", nil, img.ID, "", "", nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"used", img.ID} {
		if _, err := Remove(ctx, s, name, RemoveOptions{}); !errors.Is(err, errdefs.ErrInUse) {
			t.Errorf("rmi %s of an image in use: %v", name, err)
		}
	}
	rep, err := Remove(ctx, s, "used", RemoveOptions{Force: true})
	if err != nil || len(rep.Deleted) != 0 {
		t.Errorf("rmi -f of an image in use = %+v, %v", rep, err)
	}
	if _, err := s.Image(img.ID); err != nil {
		t.Error("the image a container uses was deleted")
	}
	prune, err := Prune(ctx, s, PruneOptions{All: true})
	if err != nil || len(prune.Deleted) != 0 {
		t.Errorf("prune -a removed an image in use: %+v %v", prune, err)
	}
}

func TestHistoryInspectList(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	importTar(t, s, "h:1", map[string]string{"f": strings.Repeat("z", 5000)}, "EXPOSE 80", "ENV A=1", "LABEL team=x")
	hist, err := History(ctx, s, "h:1")
	if err != nil || len(hist) != 1 || !strings.HasPrefix(hist[0].ID, "sha256:") || hist[0].Size < 5000 || hist[0].Comment != "Imported from -" {
		t.Errorf("history = %+v, %v", hist, err)
	}
	r, err := Inspect(ctx, s, "h:1")
	if err != nil || r.RepoTags[0] != "h:1" || r.Os != "linux" || len(r.RootFS.Layers) != 1 || r.Size != hist[0].Size || r.Config.Env[0] != "A=1" {
		t.Errorf("inspect = %+v, %v", r, err)
	}
	importTar(t, s, "", map[string]string{"g": "h"})
	f, _ := ParseFilters([]string{"label=team=x"}, ListFilterKeys()...)
	list, err := List(ctx, s, ListOptions{Filters: f})
	if err != nil || len(list) != 1 || list[0].Labels["team"] != "x" {
		t.Errorf("label filter = %+v, %v", list, err)
	}
	f, _ = ParseFilters([]string{"dangling=true"}, ListFilterKeys()...)
	if list, _ = List(ctx, s, ListOptions{Filters: f}); len(list) != 1 || !list[0].Dangling() {
		t.Errorf("dangling filter = %+v", list)
	}
	f, _ = ParseFilters([]string{"since=h:1"}, ListFilterKeys()...)
	if list, _ = List(ctx, s, ListOptions{Filters: f}); len(list) != 1 || !list[0].Dangling() {
		t.Errorf("since filter = %+v", list)
	}
	rep, err := Prune(ctx, s, PruneOptions{})
	if err != nil || len(rep.Deleted) == 0 || rep.Reclaimed == 0 || names(t, s) != "h:1" {
		t.Errorf("prune = %+v, %v; left %q", rep, err, names(t, s))
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Parallel()
	src := newStore(t)
	ctx := context.Background()
	a := importTar(t, src, "a:1", map[string]string{"a": "1"})
	_ = Tag(src, "a:1", "a:2")
	b := importTar(t, src, "b", map[string]string{"b": "2"})
	for _, format := range []string{FormatDockerArchive, FormatOCIArchive} {
		var buf bytes.Buffer
		if err := Save(ctx, src, &types.SystemContext{}, []string{"a", "b:latest"}, SaveOptions{Format: format, Output: &buf}); err != nil {
			t.Fatalf("save %s: %v", format, err)
		}
		dst := newStore(t)
		rep, err := Load(ctx, dst, &types.SystemContext{}, LoadOptions{Input: bytes.NewReader(buf.Bytes())})
		if err != nil {
			t.Fatalf("load %s: %v", format, err)
		}
		if got := strings.Join(rep.Names, " "); got != "a:1 a:2 b:latest" && got != "a:2 a:1 b:latest" {
			t.Errorf("%s: loaded %q", format, got)
		}
		if format == FormatDockerArchive {
			if img, _, err := Find(dst, "a:2"); err != nil || img.ID != a.ID {
				t.Errorf("docker-archive changed the image ID of a:2: %v", err)
			}
			if img, _, err := Find(dst, "b"); err != nil || img.ID != b.ID {
				t.Errorf("docker-archive changed the image ID of b: %v", err)
			}
		}
		// A truncated copy stores nothing.
		bad := newStore(t)
		if _, err := Load(ctx, bad, &types.SystemContext{}, LoadOptions{Input: bytes.NewReader(buf.Bytes()[:buf.Len()/2])}); err == nil || !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("%s: truncated archive loaded: %v", format, err)
		}
		if layers, _ := bad.Layers(); len(layers) != 0 || names(t, bad) != "" {
			t.Errorf("%s: a failed load left %d layers", format, len(layers))
		}
	}
}
