package pod

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Record is a pod's definition, written at create.
type Record struct {
	ID      string
	Name    string
	Created time.Time
	Labels  map[string]string `json:",omitempty"`
	// Hostname is the pod's host name (the infra's, shared by uts).
	Hostname string `json:",omitempty"`
	// Share are the namespaces the containers join: ipc, net, pid, uts.
	Share []string `json:",omitempty"`
	// InfraID is the infra container's ID; "" for a pod without one
	// (--infra=false), whose containers share nothing.
	InfraID string `json:",omitempty"`
	// CreateCommand is the command line that made the pod (podman's).
	CreateCommand []string `json:",omitempty"`
}

// Pod is a pod's record with the installation it lives in.
type Pod struct {
	Record
	e *engine.Engine
}

// ShortID is the 12-character ID podman prints.
func (p *Pod) ShortID() string { return p.ID[:12] }

// Shares says whether the pod's containers share namespace ns.
func (p *Pod) Shares(ns string) bool { return p.InfraID != "" && slices.Contains(p.Share, ns) }

func podsDir(e *engine.Engine) string  { return e.StateDir("pods") }
func namesDir(e *engine.Engine) string { return e.StateDir("pod-names") }
func (p *Pod) dir() string             { return filepath.Join(podsDir(p.e), p.ID) }

// ValidateName checks a pod name as podman does (a container name's rule).
func ValidateName(name string) error {
	if container.ValidateName(name) != nil {
		return errdefs.Invalid("invalid pod name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	return nil
}

func newID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func load(e *engine.Engine, id string) (*Pod, error) {
	p := &Pod{e: e}
	b, err := os.ReadFile(filepath.Join(podsDir(e), id, "pod.json"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errNoSuchPod(id)
		}
		return nil, err
	}
	if err := json.Unmarshal(b, &p.Record); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Pod) save() error {
	b, err := json.MarshalIndent(&p.Record, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(p.dir(), ".pod.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(p.dir(), "pod.json"))
}

// Lookup finds a pod by name, full ID or unique ID prefix.
func Lookup(e *engine.Engine, ref string) (*Pod, error) {
	if ref == "" {
		return nil, errNoSuchPod(ref)
	}
	if id, err := os.Readlink(filepath.Join(namesDir(e), ref)); err == nil {
		if p, err := load(e, filepath.Base(id)); err == nil {
			return p, nil
		}
	}
	ents, err := os.ReadDir(podsDir(e))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var found *Pod
	for _, ent := range ents {
		if !strings.HasPrefix(ent.Name(), ref) {
			continue
		}
		if found != nil {
			return nil, errdefs.Invalid("more than one pod matches %q: give more of its ID or its name", ref)
		}
		if found, err = load(e, ent.Name()); err != nil && !errdefs.IsNotFound(err) {
			return nil, err
		}
	}
	if found == nil {
		return nil, errNoSuchPod(ref)
	}
	return found, nil
}

// List returns every pod, newest first.
func List(e *engine.Engine) ([]*Pod, error) {
	ents, err := os.ReadDir(podsDir(e))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var out []*Pod
	for _, ent := range ents {
		p, err := load(e, ent.Name())
		if err != nil {
			continue // being created or removed
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Pod) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// claim makes the pod's directory and its name link; a taken name is a
// conflict in podman's words.
func (p *Pod) claim() error {
	if err := os.MkdirAll(p.dir(), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(namesDir(p.e), 0o700); err != nil {
		return err
	}
	link := filepath.Join(namesDir(p.e), p.Name)
	err := os.Symlink(p.ID, link)
	if errors.Is(err, os.ErrExist) {
		if target, rerr := os.Readlink(link); rerr == nil {
			if _, lerr := load(p.e, target); errdefs.IsNotFound(lerr) && target != p.ID {
				os.Remove(link) // left by a create killed halfway
				err = os.Symlink(p.ID, link)
			}
		}
	}
	if errors.Is(err, os.ErrExist) {
		os.RemoveAll(p.dir())
		return errdefs.Conflict("the pod name %q is already in use: remove that pod (pod rm %s) or choose another name", p.Name, p.Name)
	}
	if err != nil {
		os.RemoveAll(p.dir())
	}
	return err
}

// forget removes the pod's record and name.
func (p *Pod) forget() {
	if target, err := os.Readlink(filepath.Join(namesDir(p.e), p.Name)); err == nil && target == p.ID {
		os.Remove(filepath.Join(namesDir(p.e), p.Name))
	}
	os.RemoveAll(p.dir())
}

// Containers are the pod's containers, infra first, then by creation.
func (p *Pod) Containers() ([]*container.Container, error) {
	all, err := container.List(p.e)
	if err != nil {
		return nil, err
	}
	var out []*container.Container
	for _, c := range all {
		if c.Pod == p.ID {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *container.Container) int {
		switch {
		case a.Infra != b.Infra && a.Infra:
			return -1
		case a.Infra != b.Infra:
			return 1
		}
		return a.Created.Compare(b.Created)
	})
	return out, nil
}

// Members are the pod's containers but the infra.
func (p *Pod) Members() ([]*container.Container, error) {
	all, err := p.Containers()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c *container.Container) bool { return c.Infra }), nil
}

// Dir is the pod's own directory: what is kept there (files a pod's
// containers bind) goes with the pod.
func (p *Pod) Dir() string { return p.dir() }

// Rename gives a pod another name (its containers keep theirs).
func Rename(e *engine.Engine, ref, name string) (*Pod, error) {
	p, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := os.Symlink(p.ID, filepath.Join(namesDir(e), name)); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, errdefs.Conflict("the pod name %q is already in use", name)
		}
		return nil, err
	}
	old := p.Name
	p.Name = name
	if err := p.save(); err != nil {
		os.Remove(filepath.Join(namesDir(e), name))
		return nil, err
	}
	os.Remove(filepath.Join(namesDir(e), old))
	return p, nil
}
