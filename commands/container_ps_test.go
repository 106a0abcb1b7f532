package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/runtime/container"
)

func TestPsRow(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := &container.Container{}
	c.ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	c.ImageID = "feedbeef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
	c.Name, c.Path, c.Args = "web", "sh", []string{"-c", "echo hello world; sleep 100"}
	c.Created = now.Add(-3 * time.Second)
	c.Config.Image = "busybox"
	c.Config.Labels = map[string]string{"b": "2", "a": "1"}
	c.HostConfig.NetworkMode = "none"
	c.State.Status, c.State.StartedAt = container.StatusRunning, now.Add(-2*time.Second)
	for _, tc := range []struct {
		name  string
		trunc bool
		image string
		check func(r psRow) bool
	}{
		{"truncated", true, "busybox", func(r psRow) bool {
			return r.ID == "0123456789ab" && r.Command == `"sh -c 'echo hello w…"` && r.Image == "busybox"
		}},
		{"no-trunc", false, "busybox", func(r psRow) bool {
			return r.ID == c.ID && r.Command == `"sh -c 'echo hello world; sleep 100'"`
		}},
		{"image by ID", true, "feedbeef01", func(r psRow) bool { return r.Image == "feedbeef0123" }},
		{"image by sha256", true, "sha256:feedbeef0123456789", func(r psRow) bool { return r.Image == "feedbeef0123" }},
		{"image by ID, no-trunc", false, "feedbeef01", func(r psRow) bool { return r.Image == "feedbeef01" }},
		{"fields", true, "busybox", func(r psRow) bool {
			return r.Names == "web" && r.Labels == "a=1,b=2" && r.Label("b") == "2" && r.Label("x") == "" &&
				r.Networks == "none" && r.State == "running" && r.Status == "Up 2 seconds" &&
				r.RunningFor == "3 seconds ago" && r.Size == "0B" && r.LocalVolumes == "0" &&
				strings.Count(r.CreatedAt, ":") == 2
		}},
	} {
		c.Config.Image = tc.image
		if r := newPsRow(container.Summary{Container: c}, tc.trunc, now); !tc.check(r) {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
	r := newPsRow(container.Summary{Container: c, SizeRw: 1500, SizeRootFs: 2_500_000}, true, now)
	if r.Size != "1.5kB (virtual 2.5MB)" {
		t.Errorf("Size = %q", r.Size)
	}
}
