package container

import (
	"fmt"
	"os"
	"sort"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/storage/image"
	"github.com/skiff-containers/skiff/storage/volume"
)

// MountOptions are run's and create's mount flags, parsed by the caller
// with the runtime/mounts parsers.
type MountOptions struct {
	// Requests are -v and --mount, in the order given.
	Requests []mounts.Request
	// Tmpfs are --tmpfs, in the order given.
	Tmpfs []TmpfsMount
	// VolumesFrom are --volumes-from CONTAINER[:ro|rw].
	VolumesFrom []string
	// Userns is --userns: "" or "host" (skiff's user namespace), or
	// "keep-id" (rootless: the user's ids inside are the user's ids).
	Userns string
	// NoImageVolumes leaves the image's VOLUMEs unmounted: a build's RUN
	// step writes into the layer there, as BuildKit does.
	NoImageVolumes bool
}

// TmpfsMount is one --tmpfs.
type TmpfsMount struct {
	Target  string
	Options string
}

// UserMount is one mount a container asked for, resolved at create: what
// start mounts and inspect shows.
type UserMount struct {
	mounts.MountPoint
	// Spec is the request it came from (docker's Mount).
	Spec mounts.Mount
	// CopyData fills an empty volume from the image on first use.
	CopyData bool `json:",omitempty"`
	// Anonymous volumes go with the container (rm -v).
	Anonymous bool `json:",omitempty"`
	// CreateSource makes a missing bind source directory (-v does, --mount
	// does not).
	CreateSource bool `json:",omitempty"`
	// Options are a tmpfs's mount options.
	Options string `json:",omitempty"`
	// FromTmpfsFlag marks --tmpfs mounts, which docker does not list in
	// .Mounts.
	FromTmpfsFlag bool `json:",omitempty"`
}

// VolumeStore is the engine's named volume store.
func VolumeStore(e *engine.Engine) *volume.Store { return volume.New(e.StateDir("volumes")) }

// VolumeUsers answers, for the volume store, which containers use which
// volumes: every container whose mounts name the volume, running or not,
// as docker counts them.
func VolumeUsers(e *engine.Engine) volume.Users {
	return func() (map[string][]string, error) {
		cs, err := List(e)
		if err != nil {
			return nil, err
		}
		users := map[string][]string{}
		for _, c := range cs {
			for _, m := range c.UserMounts {
				if m.Type == mounts.TypeVolume && m.Name != "" {
					users[m.Name] = append(users[m.Name], c.ID)
				}
			}
		}
		return users, nil
	}
}

// mountSetup is the mount part of one create: the resolved mounts and,
// while volumes are being created, the volume store's lock.
type mountSetup struct {
	o       *MountOptions
	e       *engine.Engine
	tx      *volume.Tx
	created []string // anonymous volumes made by this create
	list    []UserMount
	index   map[string]int // target -> position in list
	strict  map[string]bool
	image   map[string]struct{}
}

// planMounts resolves the container's mounts: volumes-from, -v, --mount,
// --tmpfs and the image's VOLUMEs, creating the volumes they name. The
// volume store stays locked until finish, so no `volume rm` can slip in
// before the container's record names its volumes.
func planMounts(e *engine.Engine, o *MountOptions, img *image.Image) (*mountSetup, error) {
	m := &mountSetup{o: o, e: e, index: map[string]int{}, strict: map[string]bool{}}
	if img != nil {
		m.image = img.Config.Config.Volumes
	}
	if err := m.checkBindSources(); err != nil {
		return nil, err
	}
	if m.needsVolumes() {
		tx, err := VolumeStore(e).Lock()
		if err != nil {
			return nil, err
		}
		m.tx = tx
	}
	err := m.resolve()
	if err != nil {
		m.finish(true)
		return nil, err
	}
	return m, nil
}

func (m *mountSetup) resolve() error {
	if err := m.addVolumesFrom(); err != nil {
		return err
	}
	for _, r := range m.o.Requests {
		if err := m.addRequest(r); err != nil {
			return err
		}
	}
	for _, t := range m.o.Tmpfs {
		if err := m.add(UserMount{
			MountPoint: mounts.MountPoint{Type: mounts.TypeTmpfs, Destination: t.Target, RW: mounts.ReadWrite(t.Options)},
			Options:    t.Options, FromTmpfsFlag: true,
		}, true); err != nil {
			return err
		}
	}
	return m.addImageVolumes()
}

// checkBindSources refuses a --mount bind whose source does not exist,
// as docker does (-v creates it at start).
func (m *mountSetup) checkBindSources() error {
	for _, r := range m.o.Requests {
		if r.Type == mounts.TypeBind && r.Flag == mounts.FlagMount {
			if _, err := os.Stat(r.Source); err != nil {
				return errdefs.Invalid("invalid mount config for type \"bind\": bind source path does not exist: %s", r.Source)
			}
		}
	}
	return nil
}

func (m *mountSetup) needsVolumes() bool {
	if len(m.o.VolumesFrom) > 0 || len(m.image) > 0 {
		return true
	}
	for _, r := range m.o.Requests {
		if r.Type == mounts.TypeVolume {
			return true
		}
	}
	return false
}

// add puts a mount in the list; a second mount on one target is docker's
// "Duplicate mount point" unless the first came from --volumes-from.
func (m *mountSetup) add(u UserMount, strict bool) error {
	if i, ok := m.index[u.Destination]; ok {
		if m.strict[u.Destination] {
			return mounts.Duplicate(u.Destination)
		}
		m.list[i] = u
	} else {
		m.index[u.Destination] = len(m.list)
		m.list = append(m.list, u)
	}
	m.strict[u.Destination] = strict
	return nil
}

func (m *mountSetup) addRequest(r mounts.Request) error {
	u := UserMount{
		MountPoint: mounts.MountPoint{Type: r.Type, Destination: r.Target, Mode: r.Mode, RW: !r.ReadOnly},
		Spec:       r.Mount, CopyData: r.CopyData,
	}
	switch r.Type {
	case mounts.TypeBind:
		u.Source = r.Source
		u.Propagation = mounts.DefaultPropagation
		if r.BindOptions != nil && r.BindOptions.Propagation != "" {
			u.Propagation = r.BindOptions.Propagation
		}
		u.CreateSource = r.Flag == mounts.FlagVolume
	case mounts.TypeVolume:
		v, err := m.volume(r)
		if err != nil {
			return err
		}
		u.Name, u.Source, u.Driver = v.Name, v.Mountpoint, v.Driver
		u.Anonymous = r.Source == ""
	case mounts.TypeTmpfs:
		u.Options = mounts.TmpfsData(&r.Mount)
	}
	return m.add(u, true)
}

// volume finds or creates the volume a request names; an empty name makes
// an anonymous one.
func (m *mountSetup) volume(r mounts.Request) (*volume.Volume, error) {
	o := volume.CreateOptions{Name: r.Source}
	if vo := r.VolumeOptions; vo != nil {
		o.Labels = vo.Labels
		if vo.DriverConfig != nil {
			o.Driver, o.Options = vo.DriverConfig.Name, vo.DriverConfig.Options
		}
	}
	if r.Source == "" {
		labels := map[string]string{volume.AnonymousLabel: ""}
		for k, v := range o.Labels {
			labels[k] = v
		}
		o.Labels = labels
	}
	v, created, err := m.tx.Create(o)
	if err != nil {
		return nil, err
	}
	if created && r.Source == "" {
		m.created = append(m.created, v.Name)
	}
	return v, nil
}

// addVolumesFrom copies the volumes and binds of other containers; ro
// makes them read-only, rw keeps them as they are.
func (m *mountSetup) addVolumesFrom() error {
	for _, spec := range m.o.VolumesFrom {
		ref, mode, err := mounts.ParseVolumesFrom(spec)
		if err != nil {
			return err
		}
		src, err := Lookup(m.e, ref)
		if err != nil {
			return err
		}
		for _, u := range src.UserMounts {
			if u.Type == mounts.TypeTmpfs {
				continue
			}
			if u.Type == mounts.TypeVolume {
				if _, err := m.tx.Get(u.Name); err != nil {
					return fmt.Errorf("volumes from %s: %w", ref, err)
				}
			}
			u.RW = u.RW && mounts.ReadWrite(mode)
			u.CopyData = false
			if err := m.add(u, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// addImageVolumes gives every VOLUME of the image that nothing else
// mounts an anonymous volume, filled from the image on first start.
func (m *mountSetup) addImageVolumes() error {
	if m.o.NoImageVolumes {
		return nil
	}
	targets := make([]string, 0, len(m.image))
	for t := range m.image {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		r, err := mounts.ParseVolume(t)
		if err != nil || r.Type != mounts.TypeVolume || r.Source != "" {
			continue // docker ignores what it cannot mount
		}
		if _, ok := m.index[r.Target]; ok {
			continue
		}
		if err := m.addRequest(r); err != nil {
			return err
		}
	}
	return nil
}

// finish releases the volume store; when the create failed it removes
// the anonymous volumes it made.
func (m *mountSetup) finish(failed bool) {
	if m == nil || m.tx == nil {
		return
	}
	if failed {
		for _, name := range m.created {
			_ = m.tx.Remove(name)
		}
	}
	m.tx.Unlock()
	m.tx = nil
}

// record writes the mounts into the container's record in docker's
// shapes: .Mounts, HostConfig.Binds/Mounts/Tmpfs/VolumesFrom and
// Config.Volumes.
func (m *mountSetup) record(r *Record) {
	r.UserMounts = m.list
	r.Mounts = nil
	for _, u := range m.list {
		if !u.FromTmpfsFlag {
			r.Mounts = append(r.Mounts, u.MountPoint)
		}
	}
	vols := map[string]struct{}{}
	for t := range r.Config.Volumes {
		vols[t] = struct{}{}
	}
	for _, req := range m.o.Requests {
		switch {
		case req.Bind != "":
			r.HostConfig.Binds = append(r.HostConfig.Binds, req.Bind)
		case req.Flag == mounts.FlagVolume && req.Type == mounts.TypeVolume && req.Source == "":
			vols[req.Target] = struct{}{}
		}
		if req.Flag == mounts.FlagMount {
			r.HostConfig.Mounts = append(r.HostConfig.Mounts, req.Mount)
		}
	}
	if len(vols) > 0 {
		r.Config.Volumes = vols
	}
	if len(m.o.Tmpfs) > 0 {
		r.HostConfig.Tmpfs = map[string]string{}
		for _, t := range m.o.Tmpfs {
			r.HostConfig.Tmpfs[t.Target] = t.Options
		}
	}
	r.HostConfig.VolumesFrom = m.o.VolumesFrom
	r.HostConfig.UsernsMode = m.o.Userns
}
