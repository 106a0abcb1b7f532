package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Freezer is a place where skiff can freeze containers: the cgroup v1
// freezer hierarchy, or a cgroup v2 directory skiff may create children
// in.
type Freezer struct {
	// Dir holds the containers' cgroups (Dir/skiff/ID).
	Dir string
	V2  bool
}

// FindFreezer returns the freezer skiff can use, or why there is none.
func FindFreezer() (*Freezer, error) {
	var st unix.Statfs_t
	v1 := "/sys/fs/cgroup/freezer"
	if unix.Statfs(v1, &st) == nil && st.Type == unix.CGROUP_SUPER_MAGIC {
		if unix.Access(v1, unix.W_OK) == nil {
			return &Freezer{Dir: v1}, nil
		}
		return nil, errors.New("the cgroup v1 freezer belongs to root and this host delegates no cgroup v2 subtree to you")
	}
	if hostMode() == Unified {
		// the same place as containers' limits: one v2 cgroup holds both
		dir, err := V2Base()
		if err != nil {
			return nil, err
		}
		return &Freezer{Dir: dir, V2: true}, nil
	}
	return nil, errors.New("this host has no cgroup freezer")
}

// Path is the cgroup of container id.
func (f *Freezer) Path(id string) string { return filepath.Join(f.Dir, "skiff", id) }

// Create makes the container's cgroup (pause moves the container's
// processes in with Add).
func (f *Freezer) Create(id string) (string, error) {
	p := f.Path(id)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return "", fmt.Errorf("creating the freezer cgroup of %s: %w", id[:12], err)
	}
	return p, nil
}

// Join moves the calling process into the cgroup at path.
func Join(path string) error {
	return Add(path, 0)
}

// Add moves process pid (0: the caller), with all its threads, into the
// cgroup at path. A process that joins a frozen cgroup freezes.
func Add(path string, pid int) error {
	return os.WriteFile(filepath.Join(path, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0)
}

// Procs lists the processes in the cgroup at path.
func Procs(path string) (map[int]bool, error) {
	b, err := os.ReadFile(filepath.Join(path, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	out := map[int]bool{}
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out[pid] = true
		}
	}
	return out, nil
}

// Freeze stops every process of the cgroup at path and waits until they
// are stopped; Thaw lets them go on.
func Freeze(path string) error { return setFrozen(path, true) }

// Thaw undoes Freeze.
func Thaw(path string) error { return setFrozen(path, false) }

func setFrozen(path string, frozen bool) error {
	file, value, done := "freezer.state", "THAWED", "THAWED"
	if frozen {
		value, done = "FROZEN", "FROZEN"
	}
	if _, err := os.Stat(filepath.Join(path, "cgroup.freeze")); err == nil {
		file, value = "cgroup.freeze", "0"
		if frozen {
			value = "1"
		}
	}
	for i := 0; i < 1000; i++ {
		if err := os.WriteFile(filepath.Join(path, file), []byte(value), 0); err != nil {
			return err
		}
		if isFrozen(path, file) == frozen {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("the processes of %s did not reach %s", path, done)
}

func isFrozen(path, file string) bool {
	if file == "cgroup.freeze" {
		b, _ := os.ReadFile(filepath.Join(path, "cgroup.events"))
		return strings.Contains(string(b), "frozen 1")
	}
	b, _ := os.ReadFile(filepath.Join(path, "freezer.state"))
	return strings.TrimSpace(string(b)) == "FROZEN"
}

// Remove deletes the cgroup once its processes are gone (a killed
// container's last processes may take a moment to be reaped).
func Remove(path string) {
	for i := 0; i < 200; i++ {
		err := os.Remove(path)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		_ = setFrozen(path, false)
		time.Sleep(10 * time.Millisecond)
	}
}
