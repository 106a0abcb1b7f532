package image

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// An image a pull or load pins loses its last name to rmi but stays for
// the pull to name; unpinned, the next rmi deletes it; a failed pull's
// clean-up deletes a pinned image that has no name; the last holder of a
// pin removes its file.
func TestPinnedImageOutlivesItsLastName(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	img := importTar(t, s, "a", map[string]string{"f": "x"})
	if err := Tag(s, "a", "b"); err != nil {
		t.Fatal(err)
	}
	p1, err := pinImage(s, img.ID)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := pinImage(s, img.ID) // a second pull of it
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		rep, err := Remove(ctx, s, n, RemoveOptions{})
		if err != nil || len(rep.Deleted) > 0 {
			t.Fatalf("rmi %s of a pinned image: %+v, %v", n, rep, err)
		}
	}
	if got := names(t, s); got != "<none>@"+ShortID(img.ID) {
		t.Fatalf("images after rmi of both names of a pinned image: %q", got)
	}
	if err := nameImage(s, img.ID, []string{"docker.io/library/c:latest"}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, s); got != "c:latest" {
		t.Fatalf("images after the pull named it: %q", got)
	}
	if rep, err := Remove(ctx, s, "c", RemoveOptions{}); err != nil || len(rep.Deleted) > 0 {
		t.Fatalf("rmi c of a pinned image: %+v, %v", rep, err)
	}

	dropUnnamed(s, p1, img.ID) // p2 holds it still: kept
	if _, err := s.Image(img.ID); err != nil {
		t.Fatalf("a failed pull deleted an image another pins: %v", err)
	}
	p1.release()
	pinFile := filepath.Join(pinsDir(s), img.ID)
	if _, err := os.Stat(pinFile); err != nil {
		t.Fatalf("the pin file went with a holder left: %v", err)
	}
	dropUnnamed(s, p2, img.ID)
	if _, err := s.Image(img.ID); err == nil {
		t.Fatalf("the last failed pull left its nameless image")
	}
	p2.release()
	if _, err := os.Stat(pinFile); !os.IsNotExist(err) {
		t.Fatalf("the last holder left the pin file: %v", err)
	}
	if got := names(t, s); got != "" {
		t.Fatalf("images at the end: %q", got)
	}
}

// A pull killed after an rmi took its image's last name leaves a pin file
// and the image without a name: KilledPulls lists both and its repair
// deletes them; a pin whose image kept a name only loses the file.
func TestKilledPulls(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	gone := importTar(t, s, "a", map[string]string{"f": "x"})
	kept := importTar(t, s, "b", map[string]string{"f": "y"})
	var pins []*pin
	for _, id := range []string{gone.ID, kept.ID} {
		p, err := pinImage(s, id)
		if err != nil {
			t.Fatal(err)
		}
		pins = append(pins, p)
	}
	if rep, err := Remove(ctx, s, "a", RemoveOptions{}); err != nil || len(rep.Deleted) > 0 {
		t.Fatalf("rmi a of a pinned image: %+v, %v", rep, err)
	}
	for _, p := range pins {
		p.f.Close() // killed: the lock goes, the file stays
	}
	found, busy, err := KilledPulls(s, false)
	if err != nil || busy || len(found) != 2 {
		t.Fatalf("KilledPulls: %+v, busy %v, %v", found, busy, err)
	}
	for _, k := range found {
		if k.Unnamed != (k.ID == gone.ID) {
			t.Fatalf("KilledPulls: %+v (unnamed is %s)", found, ShortID(gone.ID))
		}
	}
	if _, _, err := KilledPulls(s, true); err != nil {
		t.Fatal(err)
	}
	if got := names(t, s); got != "b:latest" {
		t.Fatalf("images after the repair: %q", got)
	}
	if found, _, err := KilledPulls(s, false); err != nil || len(found) != 0 {
		t.Fatalf("KilledPulls after the repair: %+v, %v", found, err)
	}
}
