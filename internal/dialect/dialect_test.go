package dialect

import "testing"

func TestForProgram(t *testing.T) {
	t.Parallel()
	for argv0, want := range map[string]*Dialect{
		"podman": Podman, "/usr/local/bin/podman": Podman, "podman-remote": Podman,
		"docker": Docker, "/usr/bin/skiff": Docker, "skiff-podman": Docker,
	} {
		if got := ForProgram(argv0); got != want {
			t.Errorf("ForProgram(%q) = %s, want %s", argv0, got.Name, want.Name)
		}
	}
	if got := Podman.NoSuch(Image, "x"); got != "x: image not known" {
		t.Errorf("podman's missing image: %q", got)
	}
	if got := Docker.NoSuch(Kind("secret"), "x"); got != "no such secret: x" {
		t.Errorf("a kind without wording: %q", got)
	}
}
