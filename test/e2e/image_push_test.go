package e2e

import (
	"strings"
	"testing"
)

func TestPushAndPullBack(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	repo := repoFor(t, Registry(t).Addr)
	e := New(t)
	img := e.LoadBusybox()
	id := imageID(e, img)
	e.Skiff("tag", img, repo+":v1").Success(t)

	r := e.Skiff("push", repo+":v1").Success(t)
	for _, want := range []string{"The push refers to repository [" + repo + "]\n", ": Pushed\n", "v1: digest: sha256:", " size: "} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("push output lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = e.Skiff("push", repo+":v1").Success(t)
	if !strings.Contains(r.Stdout, ": Layer already exists\n") {
		t.Errorf("second push:\n%s", r.Stdout)
	}

	f := New(t)
	f.Skiff("pull", "-q", repo+":v1").Success(t)
	if got := imageID(f, repo+":v1"); got != id {
		t.Errorf("pulled back ID %s, pushed %s", got, id)
	}
}

func TestPushAllTags(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	repo := repoFor(t, Registry(t).Addr)
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("tag", img, repo+":a").Success(t)
	e.Skiff("tag", img, repo+":b").Success(t)
	r := e.Skiff("push", "--all-tags", repo).Success(t)
	if !strings.Contains(r.Stdout, "a: digest: ") || !strings.Contains(r.Stdout, "b: digest: ") {
		t.Errorf("push -a:\n%s", r.Stdout)
	}
	oneErrorLine(t, e.Skiff("push", "-a", repo+":a"), "all-tags")
	e.Skiff("image", "push", "-q", repo+":b").Success(t)
}

func TestPushErrors(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	reg := Registry(t).Addr
	e := New(t)
	img := e.LoadBusybox()
	oneErrorLine(t, e.Skiff("push", reg+"/e2e/notlocal"), "An image does not exist locally with the tag")
	e.Skiff("tag", img, "127.0.0.1:1/x").Success(t)
	oneErrorLine(t, e.Skiff("push", "127.0.0.1:1/x"), "unreachable")
	oneErrorLine(t, e.Skiff("push", "Bad"), "invalid reference format")
}
