package e2e

import (
	"strings"
	"testing"
)

func TestSystemDfAndPrune(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("network", "create", "unusednet").Success(t)
	e.Skiff("network", "create", "usednet").Success(t)
	e.Skiff("run", "-d", "--name", "up", "--network", "usednet", img, "sleep", "60").Success(t)
	e.Skiff("run", "--name", "done", img, "true").Success(t)
	e.Skiff("volume", "create", "keepme").Success(t)
	e.Skiff("create", "-v", "/anon", "--name", "withvol", img, "true").Success(t)
	e.Skiff("rm", "withvol").Success(t) // its anonymous volume is kept without -v

	df := e.Skiff("system", "df", "--format", "{{.Type}}:{{.TotalCount}}:{{.Active}}").Success(t).Lines()
	want := []string{"Images:1:1", "Containers:2:1", "Local Volumes:2:0", "Build Cache:0:0"}
	if strings.Join(df, ",") != strings.Join(want, ",") {
		t.Fatalf("system df = %q, want %q", df, want)
	}
	text := e.Skiff("system", "df").Success(t).Stdout
	if !strings.HasPrefix(text, "TYPE ") || !strings.Contains(text, "RECLAIMABLE") {
		t.Fatalf("system df table:\n%s", text)
	}
	verbose := e.Skiff("system", "df", "-v").Success(t).Stdout
	for _, s := range []string{"Images space usage:", "busybox", "Containers space usage:", "done", "keepme"} {
		if !strings.Contains(verbose, s) {
			t.Fatalf("system df -v lacks %q:\n%s", s, verbose)
		}
	}

	// Without -f it asks; anything but y keeps everything.
	e.SkiffStdin(strings.NewReader("n\n"), "system", "prune").Success(t)
	if n := len(e.Skiff("ps", "-aq").Success(t).Lines()); n != 2 {
		t.Fatalf("prune answered no removed containers: %d left", n)
	}
	out := e.Skiff("system", "prune", "-f", "--volumes").Success(t).Stdout
	if !strings.Contains(out, "Deleted Containers:") || !strings.Contains(out, "Deleted Networks:\nunusednet") ||
		!strings.Contains(out, "Deleted Volumes:") || !strings.Contains(out, "Total reclaimed space:") {
		t.Fatalf("system prune output:\n%s", out)
	}
	if ps := e.Skiff("ps", "-a", "--format", "{{.Names}}").Success(t).Out(); ps != "up" {
		t.Fatalf("after prune, containers = %q, want the running one", ps)
	}
	if nets := e.Skiff("network", "ls", "--format", "{{.Name}}", "--filter", "name=net").Success(t).Out(); nets != "usednet" {
		t.Fatalf("after prune, networks = %q, want the used one", nets)
	}
	if vols := e.Skiff("volume", "ls", "-q").Success(t).Out(); vols != "keepme" {
		t.Fatalf("after prune --volumes, volumes = %q: named ones stay", vols)
	}
	if imgs := e.Skiff("images", "-q").Success(t).Lines(); len(imgs) != 1 {
		t.Fatalf("prune without -a removed a tagged image: %q", imgs)
	}
	e.Skiff("rm", "-f", "up").Success(t)
	e.Skiff("system", "prune", "-af").Success(t)
	if imgs := e.Skiff("images", "-q").Success(t).Out(); imgs != "" {
		t.Fatalf("prune -a kept unused images: %q", imgs)
	}
	e.Skiff("system", "prune", "-f", "--filter", "bogus=1").Fail(t, 125, "bogus")
}
