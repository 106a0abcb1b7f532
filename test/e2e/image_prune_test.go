package e2e

import (
	"strings"
	"testing"
)

func TestImagePrune(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("import", rootfsTar(e, "a.tar", map[string]string{"etc/a": strings.Repeat("a", 10000)})).Success(t).Out()
	e.Skiff("import", "-c", "LABEL keep=yes", rootfsTar(e, "b.tar", map[string]string{"etc/b": "b"}), "labeled").Success(t)

	// the question, answered no
	r := e.SkiffStdin(strings.NewReader("n\n"), "image", "prune").Success(t)
	if !strings.Contains(r.Stdout, "WARNING! This will remove all dangling images.") || strings.Contains(r.Stdout, "deleted:") {
		t.Errorf("prune answered no:\n%s", r.Stdout)
	}
	r = e.Skiff("image", "prune", "-f").Success(t)
	if !strings.Contains(r.Stdout, "Deleted Images:\ndeleted: "+id+"\n") || !strings.Contains(r.Stdout, "Total reclaimed space: ") {
		t.Errorf("prune -f:\n%s", r.Stdout)
	}
	if got := imageNames(e); got != "labeled:latest busybox:latest" {
		t.Errorf("after prune: %q", got)
	}

	ctr := e.Skiff("create", img, "true").Success(t).Out()
	r = e.Skiff("image", "prune", "-a", "-f", "--filter", "label!=keep").Success(t)
	if strings.Contains(r.Stdout, "busybox") || strings.Contains(r.Stdout, "labeled") {
		t.Errorf("prune -a removed an image in use or filtered out:\n%s", r.Stdout)
	}
	e.Skiff("rm", ctr).Success(t)
	r = e.SkiffStdin(strings.NewReader("y\n"), "image", "prune", "--all", "--filter", "label=keep").Success(t)
	if !strings.Contains(r.Stdout, "untagged: labeled:latest") {
		t.Errorf("prune -a --filter label=keep:\n%s", r.Stdout)
	}
	e.Skiff("image", "prune", "-af", "--filter", "until=1h").Success(t) // the busybox test image is older
	noImages(e)
	if r = e.Skiff("image", "prune", "-f").Success(t); r.Out() != "Total reclaimed space: 0B" {
		t.Errorf("prune of nothing = %q", r.Out())
	}
	oneErrorLine(t, e.Skiff("image", "prune", "-f", "--filter", "reference=x"), "invalid filter")
}
