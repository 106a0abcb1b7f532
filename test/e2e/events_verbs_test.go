package e2e

import (
	"strings"
	"testing"
	"time"
)

// The verbs record their events whoever calls them: run's implicit pull
// records pull as `pull` does; image and volume prune record the delete,
// untag and destroy events rmi and volume rm record, on their own and
// inside system prune.
func TestEventsOfPullsAndPrunes(t *testing.T) {
	t.Parallel()
	e := New(t)
	ref := RegistryImage(t, "busybox")
	e.RegistriesConf("")
	format := []string{"--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"}
	since := time.Now().UTC().Format(time.RFC3339Nano)
	eventsSince := func(start string, extra ...string) string {
		t.Helper()
		until := time.Now().UTC().Format(time.RFC3339Nano)
		return e.Skiff(append(append([]string{"events", "--since", start, "--until", until}, format...), extra...)...).Success(t).Out()
	}

	e.Skiff("run", "--rm", ref, "true").Success(t)
	if got := eventsSince(since, "--filter", "type=image"); !strings.Contains(got, "image pull "+ref) {
		t.Errorf("run's implicit pull recorded no pull event:\n%s", got)
	}

	// image prune: the untagged image goes with untag and delete events
	e.Skiff("tag", ref, "gone:1").Success(t)
	e.Skiff("rmi", ref).Success(t)
	since = time.Now().UTC().Format(time.RFC3339Nano)
	e.Skiff("image", "prune", "-af").Success(t)
	got := eventsSince(since, "--filter", "type=image")
	if !strings.Contains(got, "image untag gone:1") || !strings.Contains(got, "image delete sha256:") {
		t.Errorf("image prune recorded:\n%s\nwant untag gone:1 and delete events", got)
	}

	// volume prune
	e.Skiff("volume", "create", "vgone").Success(t)
	since = time.Now().UTC().Format(time.RFC3339Nano)
	e.Skiff("volume", "prune", "-af").Success(t)
	volumeDestroy := func(start string) string {
		t.Helper()
		until := time.Now().UTC().Format(time.RFC3339Nano)
		return e.Skiff("events", "--since", start, "--until", until, "--filter", "type=volume", "--filter", "event=destroy",
			"--format", "{{.Actor.ID}}").Success(t).Out()
	}
	if got := volumeDestroy(since); got != "vgone" {
		t.Errorf("volume prune recorded destroy events for %q, want vgone", got)
	}

	// system prune --volumes -a: the same events from inside
	e.Skiff("pull", ref).Success(t)
	e.Skiff("create", "-v", "/anon", "--name", "withvol", ref, "true").Success(t)
	e.Skiff("rm", "withvol").Success(t) // its anonymous volume stays without -v
	anon := e.Skiff("volume", "ls", "-q").Success(t).Out()
	since = time.Now().UTC().Format(time.RFC3339Nano)
	e.Skiff("system", "prune", "-af", "--volumes").Success(t)
	if got := volumeDestroy(since); anon == "" || got != anon {
		t.Errorf("system prune recorded volume destroy events for %q, want %q", got, anon)
	}
	if got := eventsSince(since, "--filter", "type=image"); !strings.Contains(got, "image untag "+ref) || !strings.Contains(got, "image delete sha256:") {
		t.Errorf("system prune -a recorded these image events:\n%s\nwant untag %s and delete events", got, ref)
	}
}
