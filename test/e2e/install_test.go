package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeInstall: `make install` puts the binary, a man page per command
// (other paths as .so links), the bash, zsh and fish completions and,
// with DOCKER_ALIAS=1, docker and docker-compose links with their
// completions under DESTDIR/PREFIX; it refuses to replace a docker that is
// not skiff; `make uninstall` removes what it put and nothing else.
func TestMakeInstall(t *testing.T) {
	t.Parallel()
	if suite.mode == ModeRootless && suite.hostRoot {
		t.Skip("make install does not depend on the mode: the root suite runs it")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"make", "go-md2man"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (.ci/run installs it)", tool)
		}
	}
	if b := os.Getenv("SKIFF_BINARY"); b != filepath.Join(repo, "bin", "skiff") {
		t.Skipf("make install installs bin/skiff, not the tested %s", b)
	}
	dest := t.TempDir()
	mk := func(args ...string) (string, error) {
		// -o bin/skiff: install the binary under test, do not rebuild it
		cmd := exec.Command("make", append([]string{"--no-print-directory", "-C", repo, "-o", "bin/skiff",
			"DESTDIR=" + dest, "PREFIX=/usr"}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := mk("install", "DOCKER_ALIAS=1"); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	usr := filepath.Join(dest, "usr")
	for file, want := range map[string]string{
		"share/man/man1/skiff-run.1":                  ".SH NAME",
		"share/man/man1/skiff-container-run.1":        ".so man1/skiff-run.1",
		"share/man/man1/skiff-compose-up.1":           "compose",
		"share/bash-completion/completions/skiff":     "skiff",
		"share/bash-completion/completions/docker":    "docker",
		"share/zsh/site-functions/_skiff":             "#compdef skiff",
		"share/zsh/site-functions/_docker":            "#compdef docker",
		"share/fish/vendor_completions.d/skiff.fish":  "complete -c skiff",
		"share/fish/vendor_completions.d/docker.fish": "complete -c docker",
	} {
		b, err := os.ReadFile(filepath.Join(usr, file))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: %v, want it to contain %q", file, err, want)
		}
	}
	if st, err := os.Stat(filepath.Join(usr, "bin", "skiff")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("bin/skiff: %v %v", st, err)
	}
	for _, link := range []string{"docker", "docker-compose"} {
		if target, err := os.Readlink(filepath.Join(usr, "bin", link)); err != nil || target != "skiff" {
			t.Errorf("bin/%s -> %q (%v), want skiff", link, target, err)
		}
	}
	if out, err := exec.Command(filepath.Join(usr, "bin", "docker"), "--version").Output(); err != nil || !strings.HasPrefix(strings.ToLower(string(out)), "docker version") {
		t.Errorf("installed docker link: %q, %v", out, err)
	}

	if out, err := mk("uninstall"); err != nil {
		t.Fatalf("make uninstall: %v\n%s", err, out)
	}
	if left := filesUnder(t, dest); len(left) > 0 {
		t.Errorf("make uninstall left %q", left)
	}

	// a real docker stays
	docker := filepath.Join(usr, "bin", "docker")
	if err := os.WriteFile(docker, []byte("#!/bin/sh\necho real docker\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := mk("install", "DOCKER_ALIAS=1")
	if err == nil || !strings.Contains(out, "is not skiff: remove it, or install without DOCKER_ALIAS=1") {
		t.Errorf("make install DOCKER_ALIAS=1 over a real docker: %v\n%s", err, out)
	}
	if out, err := mk("uninstall"); err != nil {
		t.Fatalf("make uninstall: %v\n%s", err, out)
	}
	if left := filesUnder(t, dest); len(left) != 1 || left[0] != "usr/bin/docker" {
		t.Errorf("after uninstall: %q, want only the real usr/bin/docker", left)
	}
}

// filesUnder lists the files and links under dir (not the directories).
func filesUnder(t *testing.T, dir string) []string {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
