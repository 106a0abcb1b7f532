package rootless

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/skiff-containers/skiff/rootless/nsjoin"
)

// Environment variables exported inside the namespace. The _CONTAINERS_*
// ones are how go.podman.io/storage and go.podman.io/image learn that they
// run rootless (they do not look at getuid).
const (
	envConfigured = "_SKIFF_USERNS_CONFIGURED"
	envJoinTried  = "_SKIFF_JOIN_TRIED"
)

// initErr is why Init could not keep the namespaces it joined held; Ensure
// returns it.
var initErr error

// Init runs first thing in main. When the nsjoin constructor joined the
// pause process's namespaces it exports the rootless environment to Go and to
// the libraries. Should the pause process have been killed in the instant
// since the constructor checked it, this process, already inside, starts
// another one in there: nothing can take a process back out of a user
// namespace. First of all it marks the descriptors the process inherited
// close-on-exec (fds.go), root or not.
func Init() {
	closeInheritedOnExec()
	joined, uid, gid := nsjoin.Joined()
	if !joined {
		return
	}
	_ = os.Unsetenv(envJoinTried)
	_ = os.Setenv(envConfigured, "1")
	_ = os.Setenv("_CONTAINERS_USERNS_CONFIGURED", "done")
	_ = os.Setenv("_CONTAINERS_ROOTLESS_UID", strconv.Itoa(uid))
	_ = os.Setenv("_CONTAINERS_ROOTLESS_GID", strconv.Itoa(gid))
	dir := RuntimeDirFor(uid)
	if rec, ok := readPauseRecord(dir); !ok || !rec.alive() {
		initErr = adoptNamespaces(dir)
	}
}

// IsRootless reports whether skiff runs for an unprivileged user, inside
// the namespace or not yet.
func IsRootless() bool {
	return os.Getenv(envConfigured) != "" || os.Geteuid() != 0
}

// InNamespace reports whether the process already is where Ensure puts it:
// host root, or root inside the user's namespace.
func InNamespace() bool {
	return os.Geteuid() == 0
}

// HostUID is the invoking user's uid on the host.
func HostUID() int {
	if v, err := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_UID")); err == nil && os.Getenv(envConfigured) != "" {
		return v
	}
	return os.Getuid()
}

// HostGID is the invoking user's gid on the host.
func HostGID() int {
	if v, err := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_GID")); err == nil && os.Getenv(envConfigured) != "" {
		return v
	}
	return os.Getgid()
}

// RuntimeDirFor is RuntimeDir for a given host uid (Init runs before the
// environment names the uid).
func RuntimeDirFor(uid int) string {
	if uid == 0 {
		return "/run/skiff"
	}
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(xdg) {
		var st syscall.Stat_t
		if err := syscall.Stat(xdg, &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR &&
			(int(st.Uid) == uid || st.Uid == uint32(os.Geteuid())) {
			return filepath.Join(xdg, "skiff")
		}
	}
	tmp := os.Getenv("TMPDIR")
	if !filepath.IsAbs(tmp) {
		tmp = "/tmp"
	}
	return filepath.Join(tmp, fmt.Sprintf("skiff-run-%d", uid))
}

// RuntimeDirEnv is what another process of the user (a systemd unit, a
// crontab line) must have set and unset in its environment to compute
// the same RuntimeDir as this one, and so join the same pause process:
// XDG_RUNTIME_DIR when it is the one in use, else TMPDIR with
// XDG_RUNTIME_DIR unset. Root needs nothing.
func RuntimeDirEnv() (set, unset []string) {
	uid := HostUID()
	if uid == 0 {
		return nil, nil
	}
	dir := RuntimeDirFor(uid)
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(xdg) && dir == filepath.Join(xdg, "skiff") {
		return []string{"XDG_RUNTIME_DIR=" + xdg}, nil
	}
	if tmp := os.Getenv("TMPDIR"); filepath.IsAbs(tmp) {
		set = []string{"TMPDIR=" + tmp}
	}
	return set, []string{"XDG_RUNTIME_DIR"}
}

// Ensure puts an unprivileged process into the user's namespaces: it makes
// sure a pause process holds them and re-executes skiff, whose nsjoin
// constructor then joins. It returns only on error, or at once for root and
// for a process already inside.
func Ensure() error {
	if initErr != nil {
		return initErr
	}
	if InNamespace() {
		return nil
	}
	tries, _ := strconv.Atoi(os.Getenv(envJoinTried))
	if tries > 0 {
		if msg := nsjoin.Error(); msg != "" {
			return fmt.Errorf("joining the user namespace: %s", msg)
		}
		if tries >= 3 {
			return errors.New("joining the user namespace: its pause process keeps vanishing")
		}
	}
	dir := RuntimeDir()
	if err := ensurePrivateDir(dir); err != nil {
		return err
	}
	if err := holdNamespaces(dir); err != nil {
		return err
	}
	_ = os.Setenv(envJoinTried, strconv.Itoa(tries+1))
	KeepInheritedOnExec() // run --preserve-fds's, for the skiff inside
	if err := syscall.Exec("/proc/self/exe", os.Args, os.Environ()); err != nil {
		return fmt.Errorf("re-executing skiff: %w", err)
	}
	return nil
}

// IDMap is one line of /proc/self/uid_map or gid_map.
type IDMap struct {
	ContainerID int `json:"ContainerID"`
	HostID      int `json:"HostID"`
	Size        int `json:"Size"`
}

// CurrentIDMaps reads the uid and gid mappings of the current process.
func CurrentIDMaps() (uids, gids []IDMap, err error) {
	if uids, err = readIDMap("/proc/self/uid_map"); err != nil {
		return nil, nil, err
	}
	gids, err = readIDMap("/proc/self/gid_map")
	return uids, gids, err
}

func readIDMap(path string) ([]IDMap, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []IDMap
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		c, _ := strconv.Atoi(f[0])
		h, _ := strconv.Atoi(f[1])
		s, _ := strconv.Atoi(f[2])
		out = append(out, IDMap{ContainerID: c, HostID: h, Size: s})
	}
	return out, nil
}

// InheritedFD reports whether the process inherited descriptor fd from
// the one that started it (run --preserve-fds passes only those: the Go
// runtime opens descriptors of its own from 3 on).
func InheritedFD(fd int) bool { return nsjoin.Inherited(fd) }
