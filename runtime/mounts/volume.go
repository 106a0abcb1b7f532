package mounts

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/storage/volume"
)

// ValidateVolumeName checks a volume name as docker's local driver does.
func ValidateVolumeName(name string) error { return volume.ValidateName(name) }

// ParseVolume parses a -v/--volume value the way docker does:
// HOST-PATH:CONTAINER-PATH[:MODE] binds a host path, NAME:CONTAINER-PATH
// [:MODE] mounts a named volume, and CONTAINER-PATH alone makes an
// anonymous volume. MODE is a comma-separated list of at most one of each:
// ro|rw, z|Z, a propagation, nocopy, and a consistency (ignored).
func ParseVolume(raw string) (Request, error) {
	fields := strings.SplitN(raw, ":", 4)
	if fields[0] == "" {
		return Request{}, invalidSpec(raw, nil)
	}
	r := Request{Flag: FlagVolume}
	switch len(fields) {
	case 1:
		r.Target = fields[0]
	case 2:
		if validMode(fields[1]) {
			return Request{}, invalidSpec(raw, nil) // "/foo:rw": a mode without a source
		}
		r.Source, r.Target = fields[0], fields[1]
	case 3:
		r.Source, r.Target, r.Mode = fields[0], fields[1], fields[2]
	default:
		return Request{}, invalidSpec(raw, nil)
	}
	if !validMode(r.Mode) {
		return Request{}, errdefs.Invalid("invalid mode: %s", r.Mode)
	}
	r.Type = TypeVolume
	if path.IsAbs(r.Source) {
		r.Type = TypeBind
	}
	opts := modeOptions(r.Mode)
	r.ReadOnly = opts["ro"]
	if opts["nocopy"] {
		r.VolumeOptions = &VolumeOptions{NoCopy: true}
	}
	if p := modePropagation(r.Mode); p != "" {
		r.BindOptions = &BindOptions{Propagation: p}
	}
	if err := validate(&r.Mount); err != nil {
		return Request{}, invalidSpec(raw, err)
	}
	if r.Type == TypeVolume && r.Source != "" {
		if err := ValidateVolumeName(r.Source); err != nil {
			return Request{}, err
		}
	}
	r.Target = cleanPath(r.Target)
	r.CopyData = r.Type == TypeVolume && !opts["nocopy"]
	if r.Source != "" {
		r.Bind = raw
	}
	return r, nil
}

// AbsoluteBind turns a -v value whose host part is "." or starts with
// "./" into one with an absolute host path, relative to dir, as docker's
// CLI does. Other values are returned unchanged.
func AbsoluteBind(raw, dir string) string {
	host, rest, ok := strings.Cut(raw, ":")
	if !ok || !isDotPath(host) {
		return raw
	}
	return filepath.Join(dir, host) + ":" + rest
}

func isDotPath(p string) bool {
	return p == "." || strings.HasPrefix(p, "./")
}

// ParseVolumesFrom parses --volumes-from CONTAINER[:ro|rw].
func ParseVolumesFrom(raw string) (container, mode string, err error) {
	if raw == "" {
		return "", "", errdefs.Invalid("volumes-from specification cannot be an empty string")
	}
	container, mode, _ = strings.Cut(raw, ":")
	if mode == "" {
		return container, "rw", nil
	}
	opts := modeOptions(mode)
	if !validMode(mode) || modePropagation(mode) != "" || opts["nocopy"] {
		return "", "", errdefs.Invalid("invalid mode: %s", mode)
	}
	return container, mode, nil
}

// mode option classes: at most one option of each class.
var modeClasses = map[string]string{
	"rw": "rw", "ro": "rw",
	"z": "label", "Z": "label",
	"nocopy":     "copy",
	"consistent": "consistency", "cached": "consistency", "delegated": "consistency",
}

func validMode(mode string) bool {
	if mode == "" {
		return true
	}
	seen := map[string]bool{}
	for _, o := range strings.Split(mode, ",") {
		class, ok := modeClasses[o]
		if propagations[o] {
			class, ok = "propagation", true
		}
		if !ok || seen[class] {
			return false
		}
		seen[class] = true
	}
	return true
}

func modeOptions(mode string) map[string]bool {
	out := map[string]bool{}
	for _, o := range strings.Split(mode, ",") {
		if o != "" {
			out[o] = true
		}
	}
	return out
}

func modePropagation(mode string) string {
	for _, o := range strings.Split(mode, ",") {
		if propagations[o] {
			return o
		}
	}
	return ""
}

// ReadWrite reports whether a -v or --volumes-from mode leaves the mount
// writable.
func ReadWrite(mode string) bool {
	return !modeOptions(mode)["ro"]
}

// validate checks a mount the way docker's daemon does, except for the
// existence of a bind source, which is the caller's to check.
func validate(m *Mount) error {
	if m.Target == "" {
		return missingField(m.Type, "Target")
	}
	if err := validateTarget(m.Target); err != nil {
		return configErr(m.Type, "%v", err)
	}
	switch m.Type {
	case TypeBind:
		if m.Source == "" {
			return missingField(m.Type, "Source")
		}
		if m.BindOptions != nil && m.BindOptions.Propagation != "" && !propagations[m.BindOptions.Propagation] {
			return configErr(m.Type, "invalid propagation mode: %s", m.BindOptions.Propagation)
		}
		if m.VolumeOptions != nil {
			return extraField(m.Type, "VolumeOptions")
		}
		if !path.IsAbs(m.Source) {
			return configErr(m.Type, "invalid mount path: '%s' mount path must be absolute", m.Source)
		}
	case TypeVolume:
		if m.BindOptions != nil {
			return extraField(m.Type, "BindOptions")
		}
		if m.ReadOnly && m.Source == "" {
			return configErr(m.Type, "must not set ReadOnly mode when using anonymous volumes")
		}
	case TypeTmpfs:
		if m.BindOptions != nil {
			return extraField(m.Type, "BindOptions")
		}
		if m.Source != "" {
			return extraField(m.Type, "Source")
		}
	default:
		return configErr(m.Type, "mount type unknown")
	}
	return nil
}

func cleanPath(p string) string { return path.Clean(p) }

// Duplicate is docker's error for a second mount on the same target.
func Duplicate(target string) error {
	return errdefs.Invalid("Duplicate mount point: %s", target)
}
