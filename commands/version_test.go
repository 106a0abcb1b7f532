package commands

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"
)

// TestVersionLine: --version speaks the words of the program skiff is
// called as.
func TestVersionLine(t *testing.T) {
	for name, want := range map[string]string{
		"skiff":  `^skiff version \S+, build \S+$`,
		"docker": `^Docker version \S+, build \S+$`,
		"podman": `^podman version \S+$`,
	} {
		if got := versionLine(name); !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("versionLine(%q) = %q, want %s", name, got, want)
		}
	}
}

// TestVersionFlag: `docker --version` through Run prints docker's line.
func TestVersionFlag(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	code := Run(context.Background(), []string{"/usr/bin/docker", "--version"})
	os.Stdout = stdout
	w.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(r)
	if code != 0 || !regexp.MustCompile(`^Docker version \S+, build \S+\n$`).MatchString(out.String()) {
		t.Errorf("docker --version: exit %d, %q", code, out.String())
	}
}
