package rootless

import (
	"slices"
	"testing"
)

// A unit or crontab line gets the variables that give it this process's
// runtime directory: XDG_RUNTIME_DIR when it is used, else TMPDIR with
// XDG_RUNTIME_DIR unset; root needs none.
func TestRuntimeDirEnv(t *testing.T) {
	xdg, tmp := t.TempDir(), t.TempDir()
	t.Setenv(envConfigured, "1")
	t.Setenv("_CONTAINERS_ROOTLESS_UID", "1000")
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	if set, unset := RuntimeDirEnv(); !slices.Equal(set, []string{"XDG_RUNTIME_DIR=" + xdg}) || unset != nil {
		t.Errorf("with a usable XDG_RUNTIME_DIR: set %q, unset %q", set, unset)
	}
	t.Setenv("XDG_RUNTIME_DIR", "/nonexistent")
	if set, unset := RuntimeDirEnv(); !slices.Equal(set, []string{"TMPDIR=" + tmp}) || !slices.Equal(unset, []string{"XDG_RUNTIME_DIR"}) {
		t.Errorf("with an unusable XDG_RUNTIME_DIR: set %q, unset %q", set, unset)
	}
	t.Setenv("TMPDIR", "")
	if set, unset := RuntimeDirEnv(); set != nil || !slices.Equal(unset, []string{"XDG_RUNTIME_DIR"}) {
		t.Errorf("without TMPDIR: set %q, unset %q", set, unset)
	}
	t.Setenv("_CONTAINERS_ROOTLESS_UID", "0")
	if set, unset := RuntimeDirEnv(); set != nil || unset != nil {
		t.Errorf("root: set %q, unset %q", set, unset)
	}
}
