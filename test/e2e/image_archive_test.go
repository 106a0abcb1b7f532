package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	bbID := imageID(e, img)
	e.Skiff("tag", img, "busybox:copy").Success(t)
	e.Skiff("import", rootfsTar(e, "r.tar", map[string]string{"etc/x": "x"}), "second:1").Success(t)
	secondID := imageID(e, "second:1")

	for _, format := range []string{"docker-archive", "oci-archive"} {
		out := filepath.Join(e.Dir, format+".tar")
		e.Skiff("save", "--format", format, "-o", out, "busybox", "second:1").Success(t)
		f := New(t)
		r := f.Skiff("load", "-i", out).Success(t)
		for _, want := range []string{"Loaded image: busybox:latest", "Loaded image: busybox:copy", "Loaded image: second:1"} {
			if !strings.Contains(r.Stdout, want+"\n") {
				t.Errorf("%s: load lacks %q:\n%s", format, want, r.Stdout)
			}
		}
		if format == "docker-archive" && (imageID(f, "busybox:copy") != bbID || imageID(f, "second:1") != secondID) {
			t.Errorf("docker-archive changed image IDs")
		}
	}

	// standard output and input
	r := e.Skiff("save", img)
	if r.Code != 0 || len(r.Stdout) < 1024 {
		t.Fatalf("save to stdout: exit %d, %d bytes: %s", r.Code, len(r.Stdout), r.Stderr)
	}
	g := New(t)
	r = g.SkiffStdin(strings.NewReader(r.Stdout), "load").Success(t)
	if r.Out() != "Loaded image: busybox:latest" {
		t.Errorf("load from stdin = %q", r.Stdout)
	}
	// an image saved by ID has no name
	e.Skiff("save", "-o", filepath.Join(e.Dir, "id.tar"), bbID[:12]).Success(t)
	h := New(t)
	if r = h.Skiff("load", "-q", "-i", filepath.Join(e.Dir, "id.tar")).Success(t); r.Out() != "Loaded image ID: sha256:"+bbID {
		t.Errorf("load of an unnamed image = %q", r.Stdout)
	}
	oneErrorLine(t, e.Skiff("save", "-o", filepath.Join(e.Dir, "n.tar"), "nosuch"), "No such image: nosuch")
	oneErrorLine(t, e.Skiff("save", "--format", "zip", "-o", filepath.Join(e.Dir, "z.tar"), img), "unknown archive format")
}

func TestLoadBadArchives(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	good, err := os.ReadFile(e.Fixture("busybox.tar"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := []byte(string(good))
	for i := len(corrupt) / 2; i < len(corrupt)/2+64; i++ {
		corrupt[i] ^= 0xff
	}
	for _, tc := range []struct {
		name, content, want string
	}{
		{"truncated.tar", string(good[:len(good)/2]), "truncated"},
		{"garbage.tar", "this is not an archive\n", "not a tar archive"},
		{"empty.tar", "", "not a tar archive"},
		{"rootfs.tar", "", "not an image archive"},
		{"corrupt.tar", string(corrupt), "loading"},
	} {
		p := e.WriteFile(tc.name, tc.content)
		if tc.name == "rootfs.tar" {
			p = rootfsTar(e, tc.name, map[string]string{"etc/a": "a"})
		}
		oneErrorLine(t, e.Skiff("load", "-i", p), tc.want)
		noImages(e)
	}
	oneErrorLine(t, e.Skiff("load", "-i", filepath.Join(e.Dir, "missing.tar")), "no such file")
	oneErrorLine(t, e.SkiffStdin(strings.NewReader(string(good[:5000])), "load"), "truncated")
	if layers, _ := filepath.Glob(filepath.Join(e.Root, "*-layers", "*", "diff")); len(layers) != 0 {
		t.Errorf("failed loads left layers: %v", layers)
	}
	noImages(e)
}

// kill -9 in the middle of a load leaves no image; the next load works.
func TestLoadKilled(t *testing.T) {
	Require(t, "debian")
	t.Parallel()
	e := New(t)
	archive := e.Fixture("debian.tar")
	// The store's very first opening runs go.podman.io/storage's one-time
	// overlay feature probes, which mount in the store; a kill inside them
	// leaves that probe mount behind. Open it once, so the kills below
	// land in the load itself.
	e.Skiff("images").Success(t)
	for _, delay := range []time.Duration{50 * time.Millisecond, 300 * time.Millisecond} {
		cmd := e.Cmd("load", "-i", archive)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		switch names := imageNames(e); names {
		case "":
		case "debian:bookworm":
			e.Skiff("rmi", "debian:bookworm").Success(t)
		default:
			t.Fatalf("after kill -9: images %q", names)
		}
	}
	e.LoadDebian()
}
