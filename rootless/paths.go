package rootless

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// RuntimeDir is the per-user directory for runtime state that must not
// outlive a reboot: the pause pid file and, by default, skiff's runroot.
//
// For a user it is $XDG_RUNTIME_DIR/skiff when XDG_RUNTIME_DIR names a
// directory the user owns, else ${TMPDIR:-/tmp}/skiff-run-UID (CI jobs and
// `su -` sessions have no XDG_RUNTIME_DIR). nsjoin.c computes the same path;
// keep them in step. For root it is /run/skiff.
func RuntimeDir() string {
	return RuntimeDirFor(HostUID())
}

// ensurePrivateDir creates dir with mode 0700 and checks that it belongs to
// the caller, so another user cannot plant a pid file in /tmp for us.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating runtime directory: %w", err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return err
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("runtime directory %s belongs to uid %d, not to you: remove it or set XDG_RUNTIME_DIR", dir, st.Uid)
	}
	return nil
}

// HomeDir is the user's home directory ($HOME, else from the passwd entry).
func HomeDir() string {
	if h := os.Getenv("HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/"
}

// DataHome is $XDG_DATA_HOME, defaulting to ~/.local/share.
func DataHome() string {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(HomeDir(), ".local", "share")
}

// ConfigHome is $XDG_CONFIG_HOME, defaulting to ~/.config.
func ConfigHome() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(HomeDir(), ".config")
}
