package mounts

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	units "github.com/docker/go-units"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// ParseMount parses a --mount value: comma-separated key=value fields
// (CSV quoting allowed) as docker's CLI reads them, then checked as
// docker's daemon checks them. A "." or "./" source is made absolute
// relative to dir, as docker's CLI does.
func ParseMount(raw, dir string) (Request, error) {
	m, err := readMountFields(raw, dir)
	if err != nil {
		return Request{}, errdefs.Invalid("invalid argument %q for \"--mount\" flag: %v", raw, err)
	}
	switch m.Type {
	case TypeBind, TypeVolume, TypeTmpfs:
	case "image", "npipe", "cluster":
		return Request{}, errdefs.Invalid("mount type %q is not supported by skiff: use bind, volume or tmpfs", m.Type)
	}
	if err := validate(&m); err != nil {
		return Request{}, errdefs.Invalid("%v", err)
	}
	if m.Type == TypeVolume && m.Source != "" {
		if err := ValidateVolumeName(m.Source); err != nil {
			return Request{}, err
		}
	}
	if m.Type == TypeVolume && m.VolumeOptions != nil && m.VolumeOptions.DriverConfig != nil {
		if d := m.VolumeOptions.DriverConfig.Name; d != "" && d != "local" {
			return Request{}, errdefs.Invalid("volume driver %q is not supported: skiff has only the local driver", d)
		}
	}
	if m.Type == TypeTmpfs {
		if _, err := tmpfsData(&m); err != nil {
			return Request{}, errdefs.Invalid("%v", configErr(m.Type, "%v", err))
		}
	}
	r := Request{Mount: m, Flag: FlagMount, CopyData: m.Type == TypeVolume}
	r.Target = cleanPath(r.Target)
	if m.Type == TypeBind {
		r.Source = cleanPath(r.Source)
	}
	if m.VolumeOptions != nil && m.VolumeOptions.NoCopy {
		r.CopyData = false
	}
	return r, nil
}

// readMountFields reads the fields as docker's CLI does.
func readMountFields(raw, dir string) (Mount, error) {
	fields, err := csv.NewReader(strings.NewReader(raw)).Read()
	if err != nil {
		return Mount{}, err
	}
	m := Mount{Type: TypeVolume}
	for _, field := range fields {
		key, val, ok := strings.Cut(field, "=")
		if !ok {
			if err := setMountFlag(&m, field); err != nil {
				return Mount{}, err
			}
			continue
		}
		if err := setMountKey(&m, key, val, field, dir); err != nil {
			return Mount{}, err
		}
	}
	switch {
	case m.Type == "":
		return Mount{}, fmt.Errorf("type is required")
	case m.Target == "":
		return Mount{}, fmt.Errorf("target is required")
	case m.VolumeOptions != nil && m.Type != TypeVolume:
		return Mount{}, fmt.Errorf("cannot mix 'volume-*' options with mount type '%s'", m.Type)
	case m.BindOptions != nil && m.Type != TypeBind:
		return Mount{}, fmt.Errorf("cannot mix 'bind-*' options with mount type '%s'", m.Type)
	case m.TmpfsOptions != nil && m.Type != TypeTmpfs:
		return Mount{}, fmt.Errorf("cannot mix 'tmpfs-*' options with mount type '%s'", m.Type)
	}
	return m, nil
}

func setMountFlag(m *Mount, field string) error {
	switch field {
	case "readonly", "ro":
		m.ReadOnly = true
	case "volume-nocopy":
		volumeOpts(m).NoCopy = true
	case "bind-nonrecursive":
		bindOpts(m).NonRecursive = true
	default:
		return fmt.Errorf("invalid field '%s' must be a key=value pair", field)
	}
	return nil
}

func setMountKey(m *Mount, key, val, field, dir string) error {
	var err error
	switch key {
	case "type":
		m.Type = Type(strings.ToLower(val))
	case "source", "src":
		m.Source = val
		if isDotPath(val) {
			m.Source = filepath.Join(dir, val)
		}
	case "target", "dst", "destination":
		m.Target = val
	case "readonly", "ro":
		m.ReadOnly, err = parseBool(key, val)
	case "consistency":
		m.Consistency = strings.ToLower(val)
	case "bind-propagation":
		bindOpts(m).Propagation = strings.ToLower(val)
	case "bind-nonrecursive":
		bindOpts(m).NonRecursive, err = parseBool(key, val)
	case "volume-nocopy":
		volumeOpts(m).NoCopy, err = parseBool(key, val)
	case "volume-label":
		setPair(volumeOpts(m).Labels, val)
	case "volume-driver":
		volumeOpts(m).DriverConfig.Name = val
	case "volume-opt":
		d := volumeOpts(m).DriverConfig
		if d.Options == nil {
			d.Options = map[string]string{}
		}
		setPair(d.Options, val)
	case "tmpfs-size":
		var n int64
		if n, err = units.RAMInBytes(val); err != nil {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		tmpfsOpts(m).SizeBytes = n
	case "tmpfs-mode":
		n, perr := strconv.ParseUint(val, 8, 32)
		if perr != nil {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		tmpfsOpts(m).Mode = os.FileMode(n)
	default:
		return fmt.Errorf("unexpected key '%s' in '%s'", key, field)
	}
	return err
}

func parseBool(key, val string) (bool, error) {
	b, err := strconv.ParseBool(val)
	if err != nil {
		return false, fmt.Errorf("invalid value for %s: %s", key, val)
	}
	return b, nil
}

func setPair(m map[string]string, kv string) {
	if k, v, _ := strings.Cut(kv, "="); k != "" {
		m[k] = v
	}
}

func volumeOpts(m *Mount) *VolumeOptions {
	if m.VolumeOptions == nil {
		m.VolumeOptions = &VolumeOptions{Labels: map[string]string{}}
	}
	if m.VolumeOptions.DriverConfig == nil {
		m.VolumeOptions.DriverConfig = &Driver{}
	}
	return m.VolumeOptions
}

func bindOpts(m *Mount) *BindOptions {
	if m.BindOptions == nil {
		m.BindOptions = &BindOptions{}
	}
	return m.BindOptions
}

func tmpfsOpts(m *Mount) *TmpfsOptions {
	if m.TmpfsOptions == nil {
		m.TmpfsOptions = &TmpfsOptions{}
	}
	return m.TmpfsOptions
}
