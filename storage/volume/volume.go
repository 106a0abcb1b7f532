// Package volume owns named volumes: <root>/skiff/volumes/NAME with the
// data in _data and the definition in volume.json, created, listed,
// inspected and removed under one lock, so concurrent skiff processes
// never see half a volume.
//
// It knows nothing of containers: whoever needs "is this volume in use"
// answers through a callback (RemoveOptions.Users), called with the lock
// held. Callers use the verbs of runtime/volume, which give that answer
// and record the events. It must not import runtime, netns or rootless.
package volume

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/internal/flock"
)

// AnonymousLabel marks volumes made for one container (-v /path, an
// image's VOLUME), as docker marks them; rm -v and prune remove them.
const AnonymousLabel = "com.docker.volume.anonymous"

// DefaultDriver is the only driver skiff has.
const DefaultDriver = "local"

// Volume is a volume as docker's inspect shows it.
type Volume struct {
	CreatedAt  string
	Driver     string
	Labels     map[string]string
	Mountpoint string
	Name       string
	Options    map[string]string
	Scope      string
}

// Anonymous reports whether the volume was made for one container.
func (v *Volume) Anonymous() bool {
	_, ok := v.Labels[AnonymousLabel]
	return ok
}

// record is volume.json.
type record struct {
	Name      string
	Driver    string
	Labels    map[string]string
	Options   map[string]string
	CreatedAt time.Time
}

// Store is the volume directory of one skiff root.
type Store struct {
	dir string
}

// New returns the store kept in dir (<root>/skiff/volumes); nothing is
// created until a volume is.
func New(dir string) *Store { return &Store{dir: dir} }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// Get reads one volume.
func (s *Store) Get(name string) (*Volume, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || strings.HasPrefix(name, ".") {
		return nil, errdefs.NoSuchVolume(name)
	}
	b, err := os.ReadFile(filepath.Join(s.path(name), "volume.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NoSuchVolume(name)
		}
		return nil, err
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading volume %s: %w", name, err)
	}
	return s.fromRecord(&r), nil
}

func (s *Store) fromRecord(r *record) *Volume {
	v := &Volume{
		CreatedAt: r.CreatedAt.Local().Format(time.RFC3339), Driver: r.Driver,
		Labels: r.Labels, Mountpoint: filepath.Join(s.path(r.Name), "_data"),
		Name: r.Name, Options: r.Options, Scope: "local",
	}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	if v.Options == nil {
		v.Options = map[string]string{}
	}
	return v
}

// List reads all volumes, in no particular order.
func (s *Store) List() ([]*Volume, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []*Volume
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		v, err := s.Get(e.Name())
		if err != nil {
			if errdefs.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Tx is the store's lock, held: volumes are created and removed only
// through it.
type Tx struct {
	s *Store
	f *os.File
}

// Lock takes the store's exclusive lock; it is released by Unlock or when
// the process dies.
func (s *Store) Lock() (*Tx, error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(s.dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(f, unix.LOCK_EX, "the volume store"); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the volume store: %w", err)
	}
	t := &Tx{s: s, f: f}
	t.sweep()
	return t, nil
}

// Unlock releases the lock.
func (t *Tx) Unlock() {
	if t != nil && t.f != nil {
		t.f.Close()
		t.f = nil
	}
}

// sweep removes what an interrupted create or remove left behind.
func (t *Tx) sweep() {
	entries, _ := os.ReadDir(t.s.dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".new-") || strings.HasPrefix(e.Name(), ".rm-") {
			_ = removeTree(filepath.Join(t.s.dir, e.Name()))
		}
	}
}

// Get reads one volume under the lock.
func (t *Tx) Get(name string) (*Volume, error) { return t.s.Get(name) }

// CreateOptions describe a new volume.
type CreateOptions struct {
	// Name is the volume's name; "" generates one.
	Name    string
	Driver  string
	Labels  map[string]string
	Options map[string]string
}

// Create makes a volume, or returns the existing one of that name (as
// docker does) when it was asked for with the same options. created
// tells which.
func (t *Tx) Create(o CreateOptions) (v *Volume, created bool, err error) {
	if o.Driver == "" {
		o.Driver = DefaultDriver
	}
	if o.Name == "" {
		o.Name = randomName()
	} else if err := ValidateName(o.Name); err != nil {
		return nil, false, err
	}
	if o.Driver != DefaultDriver {
		return nil, false, errdefs.NotFound("create %s: volume driver %q not found: skiff has only the local driver", o.Name, o.Driver)
	}
	if err := ValidateOptions(o.Options); err != nil {
		return nil, false, errdefs.Invalid("create %s: %v", o.Name, err)
	}
	if old, err := t.s.Get(o.Name); err == nil {
		if len(o.Options) > 0 && !sameMap(old.Options, o.Options) {
			return nil, false, errdefs.Conflict("create %s: a volume of that name exists with other options: remove it first or choose another name", o.Name)
		}
		return old, false, nil
	} else if !errdefs.IsNotFound(err) {
		return nil, false, err
	}
	r := &record{Name: o.Name, Driver: o.Driver, Labels: o.Labels, Options: o.Options, CreatedAt: time.Now().UTC()}
	if err := t.write(r); err != nil {
		return nil, false, fmt.Errorf("creating volume %s: %w", o.Name, err)
	}
	return t.s.fromRecord(r), true, nil
}

// write builds the volume in a hidden directory and renames it into
// place, so a volume appears whole or not at all.
func (t *Tx) write(r *record) error {
	tmp := filepath.Join(t.s.dir, ".new-"+r.Name)
	if err := os.MkdirAll(filepath.Join(tmp, "_data"), 0o755); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o701); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fault.Point("volume.create.dir")
	if err := os.WriteFile(filepath.Join(tmp, "volume.json"), b, 0o600); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, t.s.path(r.Name)); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return nil
}

// Remove deletes a volume and its data. The caller checked that no
// container uses it. A tmpfs volume still mounted is unmounted first.
func (t *Tx) Remove(name string) error {
	v, err := t.s.Get(name)
	if err != nil {
		return err
	}
	if err := Unmount(v); err != nil {
		return err
	}
	doomed := filepath.Join(t.s.dir, ".rm-"+name)
	if err := os.Rename(t.s.path(name), doomed); err != nil {
		return fmt.Errorf("removing volume %s: %w", name, err)
	}
	fault.Point("volume.rm.renamed")
	return removeTree(doomed)
}

// removeTree removes a directory tree, also when the volume's content
// made some of it read-only.
func removeTree(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

func randomName() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
