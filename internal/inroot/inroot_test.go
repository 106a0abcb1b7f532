package inroot

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Symlinks in a root resolve inside it: a mount point under a link to /
// or ../.. is created in the root, never on the host.
func TestTargetStaysInRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rootDir := filepath.Join(dir, "root")
	outside := filepath.Join(dir, "outside")
	for _, d := range []string{rootDir, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(rootDir, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"slash": "/", "up": "../../outside", "abs": outside, "in": "/inside"} {
		if err := os.Symlink(target, filepath.Join(rootDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenFile(rootDir, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, tc := range []struct {
		path string
		dir  bool
		want string // where it must appear, relative to the root
	}{
		{"/slash/d1", true, "d1"},
		{"/up/d2/sub", true, ""}, // dangling inside the root: refused
		{"abs/f1", false, ""},
		{"in/f1", false, "inside/f1"},
		{"/slash/../../f2", false, "f2"},
	} {
		f, err := Target(root, tc.path, tc.dir)
		if tc.want == "" {
			if err == nil {
				f.Close()
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		f.Close()
		st, err := os.Stat(filepath.Join(rootDir, tc.want))
		if err != nil || st.IsDir() != tc.dir {
			t.Errorf("%s: not created as %s in the root: %v", tc.path, tc.want, err)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("something was created outside the root: %v", ents)
	}
}
