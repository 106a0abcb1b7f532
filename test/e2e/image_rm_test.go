package e2e

import (
	"strings"
	"testing"
)

func TestTagAndRmi(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := imageID(e, img)
	e.Skiff("tag", img, "mine").Success(t)
	e.Skiff("image", "tag", "mine", "mine:v2").Success(t)
	if got := imageNames(e); got != "busybox:latest mine:latest mine:v2" && !strings.Contains(got, "mine:v2") {
		t.Fatalf("images = %q", got)
	}

	// a name of a multi-tagged image: only untagged
	r := e.Skiff("rmi", "mine").Success(t)
	if r.Out() != "Untagged: mine:latest" {
		t.Errorf("rmi mine = %q", r.Stdout)
	}
	// an ID with several names: refused, unless forced
	oneErrorLine(t, e.Skiff("rmi", id[:12]), "must be forced")
	r = e.Skiff("rmi", "-f", id[:12]).Success(t)
	for _, want := range []string{"Untagged: busybox:latest", "Untagged: mine:v2", "Deleted: sha256:" + id} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("rmi -f lacks %q:\n%s", want, r.Stdout)
		}
	}
	noImages(e)

	// bulk: successes on stdout, failures on stderr, exit 125 at the end
	e.LoadBusybox()
	r = e.Skiff("image", "rm", "nosuch", img)
	if r.Code != 125 || !strings.Contains(r.Stdout, "Deleted: sha256:"+id) || !strings.Contains(r.Stderr, "Error: No such image: nosuch") {
		t.Errorf("rmi nosuch busybox: exit %d\nstdout %s\nstderr %s", r.Code, r.Stdout, r.Stderr)
	}
	oneErrorLine(t, e.Skiff("tag", "nosuch", "x"), "No such image: nosuch")
	e.LoadBusybox()
	oneErrorLine(t, e.Skiff("tag", img, "Bad:Name"), "invalid reference format")
	oneErrorLine(t, e.Skiff("tag", img), "requires exactly 2 arguments")
}

// An image a container uses is refused; -f untags it and keeps it for the
// container.
func TestRmiImageInUse(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := imageID(e, img)
	ctr := e.Skiff("create", img, "true").Success(t).Out()

	oneErrorLine(t, e.Skiff("rmi", img), "container "+ctr[:12]+" is using its referenced image")
	oneErrorLine(t, e.Skiff("rmi", id), "image is being used by container")
	r := e.Skiff("rmi", "-f", img).Success(t)
	if r.Out() != "Untagged: busybox:latest" && !strings.HasPrefix(r.Out(), "Untagged: busybox:latest") || strings.Contains(r.Stdout, "Deleted") {
		t.Errorf("rmi -f of an image in use:\n%s", r.Stdout)
	}
	if got := e.Skiff("images", "-q", "--no-trunc").Success(t).Out(); got != "sha256:"+id {
		t.Errorf("the image in use is gone: %q", got)
	}
	e.Skiff("rm", ctr).Success(t)
	e.Skiff("rmi", id).Success(t)
	noImages(e)
}
