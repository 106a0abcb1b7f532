package e2e

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// TestImageNamesRace runs pull, tag and rmi of the tags of one image (one
// image ID) at the same time, round after round, and checks after each
// step the outcome every order of the commands allows: never an untagged
// (<none>) image, never a tag a command that succeeded added gone, never an
// image left whose last tag was removed. The soak found the first: two
// rmi of the image's two tags each read both names and each kept the image
// for the other. Each step starts its commands together; the rounds give
// the interleavings their chances, and every outcome is checked whatever
// the order was.
func TestImageNamesRace(t *testing.T) {
	t.Parallel()
	e := New(t)
	repo := repoFor(t, Registry(t).Addr)
	a, b, c := repo+":a", repo+":b", repo+":c"
	e.Skiff("import", rootfsTar(e, "names.tar", map[string]string{"names": "x\n"}), a).Success(t)
	e.Skiff("tag", a, b).Success(t)
	e.Skiff("push", a).Success(t)
	e.Skiff("push", b).Success(t)
	e.Skiff("rmi", a, b).Success(t)
	e.wantNames(t, "setup")

	for round := range 12 {
		at := func(step string) string { return fmt.Sprintf("round %d, %s", round, step) }

		together(e, []string{"pull", "-q", a}, []string{"pull", "-q", b}).allSucceed(t, at("pulls of a and b"))
		e.wantNames(t, at("pulls of a and b"), a, b)

		together(e, []string{"rmi", a}, []string{"rmi", b}).allSucceed(t, at("rmi of a and b"))
		e.wantNames(t, at("rmi of a and b"))

		e.Skiff("pull", "-q", a).Success(t)
		together(e, []string{"pull", "-q", b}, []string{"rmi", a}).allSucceed(t, at("pull of b with rmi of a"))
		e.wantNames(t, at("pull of b with rmi of a"), b)

		together(e, []string{"pull", "-q", a}, []string{"rmi", b}).allSucceed(t, at("pull of a with rmi of b"))
		e.wantNames(t, at("pull of a with rmi of b"), a)

		// tag first: a and c, then c is left; rmi first: the image
		// is gone and tag finds nothing
		rs := together(e, []string{"tag", a, c}, []string{"rmi", a})
		rs[1].Success(t)
		if rs[0].Code == 0 {
			e.wantNames(t, at("tag of c with rmi of a"), c)
			e.Skiff("rmi", c).Success(t)
		} else {
			rs[0].Fail(t, 125, "No such image")
			e.wantNames(t, at("tag of c with rmi of a (rmi first)"))
		}
	}
	if left := storeFindings(t, e); len(left) > 0 {
		t.Errorf("system check after the rounds: %s", strings.Join(left, "; "))
	}
}

type results []Result

// together runs the skiff commands at once and returns their results in
// order.
func together(e *Env, cmds ...[]string) results {
	e.T.Helper()
	out := make(results, len(cmds))
	var start, wg sync.WaitGroup
	start.Add(1)
	for i, args := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			out[i] = e.Skiff(args...)
		}()
	}
	start.Done()
	wg.Wait()
	return out
}

func (rs results) allSucceed(t *testing.T, step string) {
	t.Helper()
	for _, r := range rs {
		if r.Code != 0 {
			t.Fatalf("%s: %s: exit %d: %s", step, r.cmdline(), r.Code, strings.TrimSpace(r.Stderr))
		}
	}
}

// wantNames checks that the store's images are exactly one image with
// the names want, or none when want is empty.
func (e *Env) wantNames(t *testing.T, step string, want ...string) {
	t.Helper()
	lines := e.Skiff("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").Success(t).Lines()
	var got []string
	ids := map[string]bool{}
	for _, l := range lines {
		name, id, _ := strings.Cut(l, " ")
		if strings.Contains(name, "<none>") {
			t.Fatalf("%s: an untagged image: %s (images: %q)", step, id, lines)
		}
		got = append(got, name)
		ids[id] = true
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) || len(ids) > 1 {
		t.Fatalf("%s: images %q, want one image named %q", step, lines, want)
	}
}
