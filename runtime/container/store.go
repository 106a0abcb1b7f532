package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	jsoniter "github.com/json-iterator/go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/flock"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Container is a container's record and state as read from disk.
type Container struct {
	Record
	State State
	e     *engine.Engine
	// ports are the published-port sockets start bound, until the port
	// forwarder takes them (network_helpers.go).
	ports []*os.File
	// preserved are run --preserve-fds's descriptors, for the first
	// start (Run).
	preserved []*os.File
	// scope is the systemd scope prepare placed the cgroup in, for
	// spawnMonitor to create (scope.go).
	scope *pendingScope
}

// Dir is the container's persistent directory.
func (c *Container) Dir() string { return c.e.StateDir("containers", c.ID) }

// RunDir is the container's runtime directory (hosts, resolv.conf, sockets).
func (c *Container) RunDir() string { return c.e.RunDir("containers", c.ID) }

// LogPath is the container's log file: --log-opt path, else ctr.log in
// its directory.
func (c *Container) LogPath() string {
	if p := c.HostConfig.LogConfig.Config["path"]; p != "" {
		return p
	}
	return filepath.Join(c.Dir(), "ctr.log")
}

// ShortID is the 12-character ID docker prints.
func (c *Container) ShortID() string { return c.ID[:12] }

// validName is compiled on first use: package init runs in every skiff
// process, whatever its role.
var validName = lazy.Regexp(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ValidateName checks a --name as docker does.
func ValidateName(name string) error {
	if !validName().MatchString(name) {
		return errdefs.Invalid("invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	return nil
}

func containersDir(e *engine.Engine) string { return e.StateDir("containers") }
func namesDir(e *engine.Engine) string      { return e.StateDir("names") }

// load reads a container by full ID.
func load(e *engine.Engine, id string) (*Container, error) {
	return loadInto(e, id, true, json.Unmarshal)
}

// loadRecord is load without the spec (spec.json), for what never reads
// it: removal, whose reads of every container's spec were a third of the
// JSON an rm -f decoded, and built encoding/json's decoders of the whole
// OCI spec type for it (issue #18).
func loadRecord(e *engine.Engine, id string) (*Container, error) {
	return loadInto(e, id, false, json.Unmarshal)
}

// loadInto is load, decoding with unmarshal; without withSpec it leaves
// the spec unread (listing never needs it).
func loadInto(e *engine.Engine, id string, withSpec bool, unmarshal func([]byte, any) error) (*Container, error) {
	c := &Container{e: e}
	dir := filepath.Join(containersDir(e), id)
	if err := decodeFile(filepath.Join(dir, "config.json"), &c.Record, unmarshal); err != nil {
		if os.IsNotExist(err) {
			return nil, errdefs.NoSuchContainer(id)
		}
		return nil, err
	}
	if withSpec {
		if err := decodeFile(filepath.Join(dir, "spec.json"), &c.Spec, unmarshal); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	if err := decodeFile(filepath.Join(dir, "state.json"), &c.State, unmarshal); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	c.refresh()
	return c, nil
}

// refresh corrects a state whose monitor died without recording the exit
// (kill -9 of the monitor, a reboot): the container is gone with it.
func (c *Container) refresh() {
	if !c.State.Running() {
		return
	}
	if c.State.MonitorPid != 0 && proc.Alive(c.State.MonitorPid, c.State.MonitorStart) {
		return
	}
	if c.State.MonitorPid == 0 && c.State.Pid != 0 && proc.Alive(c.State.Pid, c.State.PidStart) {
		return
	}
	if c.State.Status == StatusRestarting {
		// The process waiting out the back-off died: no restart follows.
		c.State.Status = StatusExited
		c.State.Error = "the process restarting the container died before it could"
		return
	}
	c.State.Status = StatusExited
	c.State.Error = "the container's monitor process died; the container was killed with it"
	c.State.ExitCode = 255
	// Pid stays: rm kills a process the monitor left behind.
	if c.State.FinishedAt.IsZero() {
		c.State.FinishedAt = time.Now().UTC()
	}
}

// Lookup finds a container by full ID, name, or unique ID prefix. A
// network helper of a running container found dead is restarted on the
// way (repairNetwork).
func Lookup(e *engine.Engine, ref string) (*Container, error) {
	return lookupRepaired(e, ref, load)
}

// lookupRepaired is Lookup reading the container with loadOne.
func lookupRepaired(e *engine.Engine, ref string, loadOne func(*engine.Engine, string) (*Container, error)) (*Container, error) {
	c, err := lookupWith(e, ref, loadOne)
	if err == nil {
		c.repairNetwork()
	}
	return c, err
}

func lookup(e *engine.Engine, ref string) (*Container, error) {
	return lookupWith(e, ref, load)
}

// lookupWith is lookup reading the container with loadOne.
func lookupWith(e *engine.Engine, ref string, loadOne func(*engine.Engine, string) (*Container, error)) (*Container, error) {
	if ref == "" {
		return nil, errdefs.Invalid("container name or ID must not be empty")
	}
	ref = strings.TrimPrefix(ref, "/")
	if target, err := os.Readlink(filepath.Join(namesDir(e), ref)); err == nil && validName().MatchString(ref) {
		if c, err := loadOne(e, target); err == nil {
			return c, nil
		}
	}
	if len(ref) == 64 {
		if c, err := loadOne(e, ref); err == nil {
			return c, nil
		}
	}
	entries, err := os.ReadDir(containersDir(e))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var match string
	for _, ent := range entries {
		if strings.HasPrefix(ent.Name(), ref) {
			if match != "" {
				return nil, errdefs.Invalid("multiple containers match %q: use more characters of the ID or the name", ref)
			}
			match = ent.Name()
		}
	}
	if match == "" {
		return nil, errdefs.NoSuchContainer(ref)
	}
	return loadOne(e, match)
}

// lock takes the container's exclusive lock; the returned file releases it
// when closed (or when the process dies).
func lock(e *engine.Engine, id string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(containersDir(e), id, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errdefs.NoSuchContainer(id)
		}
		return nil, err
	}
	if err := flock.Lock(f, unix.LOCK_EX, "container "+id[:12]+"'s lock"); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking container %s: %w", id[:12], err)
	}
	return f, nil
}

// Locked runs fn with the container's lock held and its record and state
// freshly read. fn's changes to the state are written back when it returns
// nil.
func Locked(e *engine.Engine, id string, fn func(c *Container) error) error {
	l, err := lock(e, id)
	if err != nil {
		return err
	}
	defer l.Close()
	c, err := load(e, id)
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.saveState()
}

func (c *Container) saveState() error {
	if _, err := os.Stat(c.Dir()); os.IsNotExist(err) {
		return nil // removed meanwhile
	}
	return writeJSON(filepath.Join(c.Dir(), "state.json"), &c.State)
}

// saveRecord writes the record, its spec first: config.json is what
// tells a container exists (nameStale).
func (c *Container) saveRecord() error {
	if c.Spec != nil {
		if err := writeJSON(filepath.Join(c.Dir(), "spec.json"), c.Spec); err != nil {
			return err
		}
	}
	return writeJSON(filepath.Join(c.Dir(), "config.json"), &c.Record)
}

func readJSON(path string, v any) error {
	return decodeFile(path, v, json.Unmarshal)
}

func decodeFile(path string, v any, unmarshal func([]byte, any) error) error {
	b, err := readFile(path)
	if err != nil {
		return err
	}
	if err := unmarshal(b, v); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

// readFile is os.ReadFile for the records, without the runtime's poller:
// os.Open offers every file to it (the descriptor made non-blocking,
// epoll_ctl, which a regular file refuses, then blocking again), five
// system calls more per file, which on the test machine made an open and
// close 41 µs instead of 6-11 (ps and rm read two or three files a
// container, issue #18).
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	size := 512
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil && st.Size > 0 && st.Size < 1<<30 {
		size = int(st.Size) + 1 // one more, to see the end in one read
	}
	b := make([]byte, 0, size)
	for {
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grown
		}
	}
}

// Records are decoded with encoding/json, one at a time, and with
// jsoniter (as encoding/json does) when a command reads them all: jsoniter
// decodes a record about three times faster, but its first decode of a
// type costs about three times encoding/json's (for the OCI spec, 9.2
// against 3.4 million instructions, and 4.1 against 1.4 for a record and
// its state), so it pays off only past some twenty records of a type.
// Most commands read one container; ps reads every container's record and
// state (go.podman.io/storage decodes its own records with jsoniter too).
var manyRecordsJSON = jsoniter.ConfigCompatibleWithStandardLibrary.Unmarshal

// writeJSON replaces path atomically.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// reserveName claims name for id: a symlink created atomically, so of two
// concurrent creates exactly one wins.
func reserveName(e *engine.Engine, name, id string) error {
	if err := os.MkdirAll(namesDir(e), 0o700); err != nil {
		return err
	}
	err := os.Symlink(id, filepath.Join(namesDir(e), name))
	if err == nil {
		return nil
	}
	if !os.IsExist(err) {
		return err
	}
	// A name left behind by a container that no longer exists is free.
	if holder, rerr := os.Readlink(filepath.Join(namesDir(e), name)); rerr == nil {
		if nameStale(e, holder) {
			if os.Remove(filepath.Join(namesDir(e), name)) == nil {
				return reserveName(e, name, id)
			}
		}
		return errdefs.Conflict("the container name %q is already in use by container %s: remove or rename that container, or choose another name", "/"+name, holder)
	}
	return err
}

// nameStale reports whether a name's holder is gone: its directory does
// not exist, or has no record while nobody holds its lock (Create holds it
// from before claiming the name until the record is written).
func nameStale(e *engine.Engine, holder string) bool {
	dir := filepath.Join(containersDir(e), holder)
	record := filepath.Join(dir, "config.json")
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return true
	}
	if _, err := os.Stat(record); err == nil {
		return false
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return false // being created right now
	}
	_, err = os.Stat(record) // written just before the lock was released?
	return os.IsNotExist(err)
}

// releaseName frees name if it still points at id.
func releaseName(e *engine.Engine, name, id string) {
	p := filepath.Join(namesDir(e), name)
	if t, err := os.Readlink(p); err == nil && t == id {
		os.Remove(p)
	}
}
