// Package scope gives a rootless container's cgroup a transient systemd
// scope, asked of the user's systemd manager over the user's D-Bus, as
// podman and runc do with their systemd cgroup manager: the scope is
// delegated (Delegate=yes), so skiff makes the container's cgroup inside
// it and writes the limits itself (runtime/cgroups).
//
// Layout of skiff-ID.scope (under user.slice of the user manager, or the
// slice --cgroup-parent names):
//
//	skiff-ID.scope/monitor     the container's monitor, then its cleanup role
//	skiff-ID.scope/container   the container's processes; the limits
//
// The monitor keeps the scope (and so the container's cgroup and its OOM
// counters) until the exit is recorded; systemd removes the scope when
// its last process ends, and rm stops one that is left.
//
// Finding the manager costs a few stat calls and no D-Bus traffic; only a
// start, update or exec that needs a cgroup talks to systemd. The D-Bus
// work is done by runc's cgroup library (github.com/opencontainers/cgroups
// /systemd, over github.com/coreos/go-systemd and github.com/godbus/dbus),
// which only this package imports: the init's program stays without it.
package scope

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	systemdDbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	lib "github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/systemd"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/pathutil"
	"github.com/skiff-containers/skiff/runtime/cgroups"
)

func newProp(name string, value any) systemdDbus.Property {
	return systemdDbus.Property{Name: name, Value: dbus.MakeVariant(value)}
}

// Prefix is the unit names' prefix: skiff-ID.scope.
const Prefix = "skiff"

// DefaultSlice is where scopes go without --cgroup-parent (podman's
// choice for rootless containers too).
const DefaultSlice = "user.slice"

// The subcgroups of a scope.
const (
	ContainerDir = "container"
	MonitorDir   = "monitor"
)

// answerWithin bounds the first exchange with the bus: a bus socket whose
// owner hangs must not hang skiff.
const answerWithin = 3 * time.Second

// Bus is the way to a user's systemd manager.
type Bus struct {
	// Addr is the D-Bus address of the user's bus.
	Addr string
	// UID is the user's id outside skiff's user namespace, which D-Bus's
	// EXTERNAL authentication must name.
	UID int
}

// Find reports whether a systemd user manager runs for the user, and how
// to reach it: its private socket ($XDG_RUNTIME_DIR/systemd/private)
// exists, and a session bus is known ($DBUS_SESSION_BUS_ADDRESS, or the
// socket $XDG_RUNTIME_DIR/bus). It only looks at the filesystem.
func Find() (Bus, bool) {
	run := os.Getenv("XDG_RUNTIME_DIR")
	if run == "" || !isSocket(filepath.Join(run, "systemd", "private")) {
		return Bus{}, false
	}
	b := Bus{Addr: os.Getenv("DBUS_SESSION_BUS_ADDRESS"), UID: hostUID()}
	if b.Addr == "" {
		sock := filepath.Join(run, "bus")
		if !isSocket(sock) {
			return Bus{}, false
		}
		b.Addr = "unix:path=" + sock
	}
	return b, true
}

func isSocket(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Type() == os.ModeSocket
}

// hostUID is the user's id on the host: skiff runs rootless as root of
// a user namespace, whose creator's id rootless.Init records.
func hostUID() int {
	if v, err := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_UID")); err == nil {
		return v
	}
	return os.Getuid()
}

// connect points runc's library at the bus. The library reads the
// address from the environment and, inside a user namespace, the user's
// id from $ROOTLESSKIT_PARENT_EUID (else it runs busctl).
func (b Bus) connect() {
	_ = os.Setenv("DBUS_SESSION_BUS_ADDRESS", b.Addr)
	_ = os.Setenv("ROOTLESSKIT_PARENT_EUID", strconv.Itoa(b.UID))
}

// Scope is a container's transient scope unit.
type Scope struct {
	Bus   Bus
	ID    string // the container's
	Slice string
	// Dir is the scope's cgroup directory.
	Dir string
}

// Unit is the scope's unit name.
func (s *Scope) Unit() string { return Prefix + "-" + s.ID + ".scope" }

// Container is the container's cgroup inside the scope.
func (s *Scope) Container() string { return filepath.Join(s.Dir, ContainerDir) }

// Exists reports whether the scope's cgroup is there.
func (s *Scope) Exists() bool {
	_, err := os.Stat(s.Dir)
	return err == nil
}

// SliceFor is the slice a scope goes in for --cgroup-parent parent: the
// default slice, or the slice parent names (NAME.slice, as podman wants
// with systemd).
func SliceFor(parent string) (string, error) {
	if parent == "" {
		return DefaultSlice, nil
	}
	if _, err := systemd.ExpandSlice(parent); err != nil {
		return "", fmt.Errorf("--cgroup-parent %s: with the systemd cgroup manager the parent must be a slice name such as user.slice or skiff.slice", parent)
	}
	return parent, nil
}

// Place asks the user manager where the scope of container id goes in
// slice (the manager's own cgroup, then the slice's path): one exchange
// on the bus, bounded in time. It creates nothing.
func (b Bus) Place(id, slice string) (*Scope, error) {
	s := &Scope{Bus: b, ID: id, Slice: slice}
	var dir string
	err := bounded(func() error {
		m, err := s.manager("")
		if err != nil {
			return err
		}
		dir = m.Path("")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("the systemd user manager did not answer on %s: %w", b.Addr, err)
	}
	s.Dir = dir
	return s, nil
}

// At is the scope of container id recorded earlier (its unit runs at
// dir): no exchange on the bus.
func (b Bus) At(id, dir string) *Scope {
	slice := filepath.Base(filepath.Dir(dir))
	return &Scope{Bus: b, ID: id, Slice: slice, Dir: dir}
}

// bounded runs f, giving up after answerWithin (f goes on alone: the
// library's connection is shared and reused, or dead).
func bounded(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(answerWithin):
		return fmt.Errorf("no answer within %v", answerWithin)
	}
}

// manager is the library's manager of the scope; dir "" asks the user
// manager for the path.
func (s *Scope) manager(dir string) (*systemd.UnifiedManager, error) {
	s.Bus.connect()
	cfg := &lib.Cgroup{
		Name: s.ID, ScopePrefix: Prefix, Parent: s.Slice, Rootless: true,
		Resources: &lib.Resources{SkipDevices: true},
		SystemdProps: []systemdDbus.Property{
			// a scope whose container was OOM-killed is not kept as failed
			newProp("CollectMode", "inactive-or-failed"),
			// stopping it (rm) does not wait long for a process that
			// ignores SIGTERM (the monitor does)
			newProp("TimeoutStopUSec", uint64(5*time.Second/time.Microsecond)),
		},
	}
	return systemd.NewUnifiedManager(cfg, dir)
}

// Start creates the scope with process pid in it (systemd moves it:
// from a login session's cgroup only the managers may), then moves pid
// into the scope's monitor cgroup, leaving the scope's own cgroup empty
// so that it can hand controllers down to the container's.
func (s *Scope) Start(pid int) error {
	m, err := s.manager(s.Dir)
	if err != nil {
		return err
	}
	if err := bounded(func() error { return m.Apply(pid) }); err != nil {
		return fmt.Errorf("creating the systemd scope %s: %w", s.Unit(), err)
	}
	return s.Attach(MonitorDir, pid)
}

// Attach moves processes into sub (a cgroup of the scope, made if
// needed): directly when skiff may (it runs inside the user manager's
// cgroups), else through the user manager, which may move a process from
// anywhere (from a login session it asks the system manager).
func (s *Scope) Attach(sub string, pids ...int) error {
	dir := filepath.Join(s.Dir, sub)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	var m *systemd.UnifiedManager
	for _, pid := range pids {
		err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0)
		if err == nil || errors.Is(err, unix.ESRCH) {
			continue
		}
		if !errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("moving process %d into %s: %w", pid, dir, err)
		}
		if m == nil {
			if m, err = s.manager(s.Dir); err != nil {
				return err
			}
		}
		if err := bounded(func() error { return m.AddPid(sub, pid) }); err != nil {
			return fmt.Errorf("moving process %d into %s through the systemd user manager: %w", pid, dir, err)
		}
	}
	return nil
}

// Stop stops the scope (its remaining processes are killed) and removes
// it: rm of a container whose scope is left.
func (s *Scope) Stop() error {
	m, err := s.manager(s.Dir)
	if err != nil {
		return err
	}
	return m.Destroy()
}

// Inside reports whether the calling process runs in the scope (the
// monitor's cleanup role does: stopping the scope would end it).
func (s *Scope) Inside() bool {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			own := filepath.Join("/sys/fs/cgroup", p)
			return pathutil.Within(own, s.Dir)
		}
	}
	return false
}

// Detect is cgroups.Detect with the systemd manager in view: for a
// rootless user on cgroup v2 whose systemd user manager answers (unless
// manager is "cgroupfs"), the controllers its scopes get, and the driver
// "systemd"; else what cgroups.Detect finds, and "cgroupfs" (or "none"
// when nothing is usable).
func Detect(manager string) (cgroups.Facts, string) {
	if manager != "cgroupfs" && cgroups.RootlessV2() {
		if b, ok := Find(); ok {
			sc, err := b.Place("probe", DefaultSlice)
			if err == nil {
				f := cgroups.Facts{Mode: cgroups.Unified, Version: "2", Dir: filepath.Dir(sc.Dir), Controller: map[string]bool{}}
				for _, c := range cgroups.Available(f.Dir) {
					f.Controller[c] = true
				}
				f.Usable = len(f.Controller) > 0
				if !f.Usable {
					f.Reason = "your systemd user manager is delegated no controllers"
				}
				return f, "systemd"
			}
			logrus.Debugf("the systemd user manager cannot give scopes (%v): using cgroupfs", err)
		}
	}
	f := cgroups.Detect()
	if !f.Usable {
		return f, "none"
	}
	return f, "cgroupfs"
}
