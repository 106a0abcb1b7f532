package events

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/storage"
)

func testEngine(t *testing.T) *engine.Engine {
	dir := t.TempDir()
	return engine.New(engine.Config{Storage: storage.Options{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run")}})
}

func collect(t *testing.T, e *engine.Engine, o ReadOptions) string {
	t.Helper()
	var out []string
	if err := Read(context.Background(), e, o, func(ev *Event) error {
		out = append(out, ev.Type+" "+ev.Action+" "+ev.Actor.Attributes["name"])
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "; ")
}

func TestRecordRead(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	Record(e, Container, "create", "c1", map[string]string{"name": "web", "image": "busybox", "tier": "front"})
	Record(e, Container, "die", "c1", map[string]string{"name": "web", "image": "busybox", "exitCode": "3"})
	Record(e, Network, "create", "n1", map[string]string{"name": "net", "type": "bridge"})
	now := time.Now()
	all := ReadOptions{Until: now}
	if got := collect(t, e, all); got != "container create web; container die web; network create net" {
		t.Errorf("all: %q", got)
	}
	for filter, want := range map[string]string{
		"type=network":   "network create net",
		"event=die":      "container die web",
		"container=web":  "container create web; container die web",
		"image=busybox":  "container create web; container die web",
		"label=tier":     "container create web",
		"label=tier=bck": "",
		"network=net":    "network create net",
	} {
		f, err := ParseFilter([]string{filter})
		if err != nil {
			t.Fatal(err)
		}
		if got := collect(t, e, ReadOptions{Until: now, Filter: f}); got != want {
			t.Errorf("%s: %q, want %q", filter, got, want)
		}
	}
	if got := collect(t, e, ReadOptions{Since: now.Add(time.Second), Until: now}); got != "" {
		t.Errorf("since: %q", got)
	}
	if _, err := ParseFilter([]string{"bogus=1"}); err == nil {
		t.Error("bogus filter: want error")
	}
}

// Without Until, Read follows until its context ends.
func TestReadFollows(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 4)
	done := make(chan error, 1)
	go func() {
		done <- Read(ctx, e, ReadOptions{}, func(ev *Event) error {
			got <- ev.Action
			return nil
		})
	}()
	time.Sleep(50 * time.Millisecond)
	Record(e, Container, "start", "c1", nil)
	select {
	case a := <-got:
		if a != "start" {
			t.Errorf("followed %q", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the follower did not see the new event")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
