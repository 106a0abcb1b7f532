package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/lazy"
)

// nameRule is what the local volume driver accepts as a name.
var nameRule = lazy.Regexp(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// ValidateName checks a volume name as docker's local driver does; the
// message tells a user who meant a host directory what to write.
func ValidateName(name string) error {
	if len(name) == 1 && nameRule().MatchString(name+"a") {
		return errdefs.Invalid("volume name is too short, names should be at least two alphanumeric characters")
	}
	if !nameRule().MatchString(name) {
		return errdefs.Invalid(`create %s: %q includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`, name, name)
	}
	return nil
}

// ValidateOptions checks the local driver's --opt keys: type, device and
// o. skiff implements type=tmpfs (mounted when a container starts) and
// type=none with o=bind (the device directory is bind-mounted); other
// filesystems are refused.
func ValidateOptions(opts map[string]string) error {
	for k := range opts {
		switch k {
		case "type", "device", "o":
		case "size":
			return errors.New(`option "size" needs an xfs project quota, which skiff does not set up: use --opt type=tmpfs --opt o=size=SIZE for a size-limited volume`)
		default:
			return fmt.Errorf("invalid option key: %q", k)
		}
	}
	typ, device, o := opts["type"], opts["device"], opts["o"]
	switch typ {
	case "":
		if device != "" || o != "" {
			return errors.New(`missing required option: "type"`)
		}
	case "tmpfs":
		for _, opt := range strings.Split(o, ",") {
			if opt != "" && !tmpfsOption(opt) {
				return fmt.Errorf("unknown tmpfs option %q in o=%s", opt, o)
			}
		}
	case "none":
		if !hasBind(o) {
			return errors.New("type=none needs o=bind (or rbind): skiff mounts only directories of type none by binding them")
		}
		if !filepath.IsAbs(device) {
			return fmt.Errorf("type=none with o=bind needs device=/absolute/path, got %q", device)
		}
		for _, opt := range strings.Split(o, ",") {
			if !bindFlags[opt] {
				return fmt.Errorf("unknown bind option %q in o=%s", opt, o)
			}
		}
	default:
		return fmt.Errorf("volume type %q is not supported by skiff: use --opt type=tmpfs, or --opt type=none --opt o=bind --opt device=/path", typ)
	}
	return nil
}

var bindFlags = map[string]bool{
	"bind": true, "rbind": true, "ro": true, "rw": true, "nosuid": true, "suid": true,
	"nodev": true, "dev": true, "noexec": true, "exec": true, "": true,
}

func hasBind(o string) bool {
	for _, opt := range strings.Split(o, ",") {
		if opt == "bind" || opt == "rbind" {
			return true
		}
	}
	return false
}

func tmpfsOption(o string) bool {
	k, _, kv := strings.Cut(o, "=")
	if kv {
		switch k {
		case "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol", "huge":
			return true
		}
		return false
	}
	switch o {
	case "ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "noatime", "relatime", "strictatime", "inode64", "noswap":
		return true
	}
	return false
}

// IsBind reports whether the volume binds a host directory (type=none,
// o=bind).
func (v *Volume) IsBind() bool { return v.Options["type"] == "none" }

// IsTmpfs reports whether the volume is a tmpfs mounted on its _data while
// containers use it.
func (v *Volume) IsTmpfs() bool { return v.Options["type"] == "tmpfs" }

// HostPath is the directory a container mounts: the device of a bind
// volume, else _data.
func (v *Volume) HostPath() string {
	if v.IsBind() {
		return v.Options["device"]
	}
	return v.Mountpoint
}

// BindReadOnly reports whether a bind volume was created with o=...,ro.
func (v *Volume) BindReadOnly() bool {
	for _, opt := range strings.Split(v.Options["o"], ",") {
		if opt == "ro" {
			return true
		}
	}
	return false
}

// Mount mounts a tmpfs volume on its _data unless it already is; other
// volumes need nothing. The caller holds the store's lock.
func Mount(v *Volume) error {
	if !v.IsTmpfs() || isMountPoint(v.Mountpoint) {
		return nil
	}
	dev := v.Options["device"]
	if dev == "" {
		dev = "tmpfs"
	}
	var flags uintptr
	var data []string
	for _, o := range strings.Split(v.Options["o"], ",") {
		switch o {
		case "":
		case "ro":
			flags |= unix.MS_RDONLY
		case "nosuid":
			flags |= unix.MS_NOSUID
		case "nodev":
			flags |= unix.MS_NODEV
		case "noexec":
			flags |= unix.MS_NOEXEC
		case "rw", "suid", "dev", "exec":
		default:
			data = append(data, o)
		}
	}
	if err := unix.Mount(dev, v.Mountpoint, "tmpfs", flags, strings.Join(data, ",")); err != nil {
		return fmt.Errorf("mounting tmpfs volume %s: %w", v.Name, err)
	}
	return nil
}

// Unmount unmounts a tmpfs volume's _data if it is mounted.
func Unmount(v *Volume) error {
	if !v.IsTmpfs() || !isMountPoint(v.Mountpoint) {
		return nil
	}
	if err := unix.Unmount(v.Mountpoint, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("unmounting tmpfs volume %s: %w", v.Name, err)
	}
	return nil
}

// isMountPoint compares the device of p with its parent's.
func isMountPoint(p string) bool {
	var st, parent unix.Stat_t
	if unix.Lstat(p, &st) != nil || unix.Lstat(filepath.Dir(p), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev
}

// Empty reports whether the directory holds nothing (or does not exist).
func Empty(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return true
	}
	defer f.Close()
	names, _ := f.Readdirnames(1)
	return len(names) == 0
}
