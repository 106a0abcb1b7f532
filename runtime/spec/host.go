package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/pathutil"
	"github.com/skiff-containers/skiff/runtime/seccomp"
)

// ParseUlimits parses --ulimit values, docker's "name=soft[:hard]".
func ParseUlimits(in []string) ([]*units.Ulimit, error) {
	var out []*units.Ulimit
	seen := map[string]bool{}
	for _, v := range in {
		u, err := units.ParseUlimit(v)
		if err != nil {
			return nil, errdefs.Invalid("invalid --ulimit %q: %v (use name=soft[:hard], e.g. nofile=1024:2048)", v, err)
		}
		if seen[u.Name] {
			return nil, errdefs.Invalid("invalid --ulimit %q: %s is given twice", v, u.Name)
		}
		seen[u.Name] = true
		out = append(out, u)
	}
	return out, nil
}

// namespacedSysctls are the sysctls a container's own namespaces hold
// (docker's list): the IPC namespace's, and net.* in a network namespace
// of the container's own.
var namespacedSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// ParseSysctls parses --sysctl values (name=value) and refuses those that
// would change the host: only namespaced ones are allowed (net.* needs a
// network namespace of the container's own, which create checks).
func ParseSysctls(in []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range in {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, errdefs.Invalid("invalid --sysctl %q: use name=value", kv)
		}
		k = strings.ReplaceAll(k, "/", ".")
		switch {
		case namespacedSysctls[k], strings.HasPrefix(k, "fs.mqueue."):
		case strings.HasPrefix(k, "net."):
		default:
			return nil, errdefs.Invalid("sysctl %q is not allowed: it is not namespaced and would change the host", k)
		}
		out[k] = v
	}
	return out, nil
}

// SecurityOptions are what --security-opt sets.
type SecurityOptions struct {
	NoNewPrivileges bool
	// NoNewPrivilegesGiven says no-new-privileges was among the options:
	// then it holds even with --privileged, as with docker.
	NoNewPrivilegesGiven bool
	UnconfinedPaths      bool
	// Opts are the options as HostConfig.SecurityOpt keeps them: a
	// seccomp=FILE becomes seccomp=<the profile's compact JSON>, as
	// docker's CLI sends it, so the container does not depend on the file.
	Opts []string
}

// fixedSecurityOpts are the --security-opt keys that take one value only:
// skiff has no SELinux or AppArmor support, so asking to be unconfined is
// accepted and a profile or label refused.
var fixedSecurityOpts = map[string]struct{ value, why string }{
	"apparmor":    {"unconfined", "skiff has no AppArmor support"},
	"label":       {"disable", "skiff has no SELinux support"},
	"systempaths": {"unconfined", "it lifts docker's masked and read-only paths"},
}

// ParseSecurityOpts applies --security-opt values to the defaults (no new
// privileges on, docker's seccomp profile).
func ParseSecurityOpts(in []string) (SecurityOptions, error) {
	o := SecurityOptions{NoNewPrivileges: true}
	for _, opt := range in {
		k, v, hasValue := strings.Cut(opt, "=")
		if !hasValue {
			k, v, hasValue = strings.Cut(opt, ":")
		}
		if k == "seccomp" {
			p, err := seccompOpt(v)
			if err != nil {
				return o, err
			}
			o.Opts = append(o.Opts, "seccomp="+p)
			continue
		}
		o.Opts = append(o.Opts, opt)
		if f, ok := fixedSecurityOpts[k]; ok {
			if v != f.value {
				return o, errdefs.Invalid("invalid --security-opt %q: %s; only %s=%s is accepted", opt, f.why, k, f.value)
			}
			o.UnconfinedPaths = o.UnconfinedPaths || k == "systempaths"
			continue
		}
		o.NoNewPrivilegesGiven = o.NoNewPrivilegesGiven || k == "no-new-privileges"
		switch {
		case k != "no-new-privileges":
			return o, errdefs.Invalid("invalid --security-opt %q: use no-new-privileges, seccomp=unconfined|PROFILE.json, apparmor=unconfined, label=disable or systempaths=unconfined", opt)
		case !hasValue || v == "true":
			o.NoNewPrivileges = true
		case v == "false":
			o.NoNewPrivileges = false
		default:
			return o, errdefs.Invalid("invalid --security-opt %q: no-new-privileges takes true or false", opt)
		}
	}
	return o, nil
}

// seccompOpt reads the value of seccomp=: unconfined, builtin (docker's
// default profile) or a profile file in docker's format, whose compact
// JSON it returns.
func seccompOpt(v string) (string, error) {
	switch v {
	case "":
		return "", errdefs.Invalid("invalid --security-opt seccomp=: give unconfined, builtin or a profile file")
	case seccomp.Unconfined, seccompBuiltin:
		return v, nil
	}
	if strings.HasPrefix(v, "{") {
		return checkProfile(v, []byte(v)) // already JSON (a record's own value)
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return "", errdefs.Invalid("opening seccomp profile (%s) failed: %v", v, err)
	}
	return checkProfile(v, b)
}

func checkProfile(name string, b []byte) (string, error) {
	p, err := seccomp.Check(b)
	if err != nil {
		if len(name) > 64 {
			name = name[:64] + "..."
		}
		return "", errdefs.Invalid("seccomp profile (%s): %v", name, err)
	}
	return p, nil
}

// seccompBuiltin names docker's default profile in seccomp=.
const seccompBuiltin = "builtin"

// SeccompProfile returns the seccomp profile HostConfig.SecurityOpt and
// --privileged give a container: unconfined, or the profile's JSON ("":
// docker's default). The last seccomp= wins, as in docker.
func SeccompProfile(securityOpt []string, privileged bool) (profile string, unconfined bool) {
	if privileged {
		return "", true
	}
	for _, opt := range securityOpt {
		if v, ok := strings.CutPrefix(opt, "seccomp="); ok {
			profile = v
		}
	}
	switch profile {
	case seccomp.Unconfined:
		return "", true
	case seccompBuiltin:
		return "", false
	}
	return profile, false
}

// shmOption is the size option of /dev/shm.
func shmOption(size int64) string {
	if size <= 0 {
		size = DefaultShmSize
	}
	return fmt.Sprintf("size=%d", size)
}

// DeviceMapping is one --device, in docker's HostConfig.Devices shape.
type DeviceMapping struct {
	PathOnHost        string
	PathInContainer   string
	CgroupPermissions string
}

// ParseDevice parses --device HOST[:CONTAINER][:PERMISSIONS] and checks
// that HOST is a device (or a directory of devices) on this host. The
// device is bind-mounted from the host, which works rootless too; skiff
// keeps no device cgroup, so the permissions cannot be narrowed below
// rwm and anything else is refused.
func ParseDevice(v string) (DeviceMapping, error) {
	parts := strings.Split(v, ":")
	d := DeviceMapping{PathOnHost: parts[0], CgroupPermissions: "rwm"}
	switch {
	case len(parts) == 2 && isPermissions(parts[1]):
		d.CgroupPermissions = parts[1]
	case len(parts) == 2:
		d.PathInContainer = parts[1]
	case len(parts) == 3:
		d.PathInContainer, d.CgroupPermissions = parts[1], parts[2]
	case len(parts) > 3:
		return d, errdefs.Invalid("invalid --device %q: use HOST[:CONTAINER][:PERMISSIONS]", v)
	}
	if d.PathInContainer == "" {
		d.PathInContainer = d.PathOnHost
	}
	if !path.IsAbs(d.PathOnHost) || !path.IsAbs(d.PathInContainer) {
		return d, errdefs.Invalid("invalid --device %q: the paths must be absolute", v)
	}
	if !isPermissions(d.CgroupPermissions) {
		return d, errdefs.Invalid("invalid --device %q: bad permissions %q (r, w and m)", v, d.CgroupPermissions)
	}
	if d.CgroupPermissions != "rwm" {
		return d, errdefs.Invalid("invalid --device %q: skiff keeps no device cgroup and cannot narrow a device's permissions; leave them out", v)
	}
	var st unix.Stat_t
	if err := unix.Stat(d.PathOnHost, &st); err != nil {
		return d, errdefs.Invalid("error gathering device information while adding custom device %q: %v", d.PathOnHost, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFDIR:
	default:
		return d, errdefs.Invalid("error gathering device information while adding custom device %q: not a device node", d.PathOnHost)
	}
	return d, nil
}

func isPermissions(s string) bool {
	return s != "" && strings.Trim(s, "rwm") == ""
}

// deviceMounts bind-mounts the devices (a directory with what it holds).
func deviceMounts(devs []DeviceMapping) []specs.Mount {
	var out []specs.Mount
	for _, d := range devs {
		out = append(out, specs.Mount{Destination: d.PathInContainer, Type: "bind", Source: d.PathOnHost, Options: []string{"rbind"}})
	}
	return out
}

// The parts of the host's /dev a privileged container does not get from
// it: what every container has of its own (/dev/pts with its ptmx,
// /dev/shm, /dev/mqueue, the console), what the init makes in every
// container (null, zero, full, random, urandom, tty), and udev's and
// LXC's private directories.
var (
	privilegedSkipDirs  = map[string]bool{"pts": true, "shm": true, "mqueue": true, "fd": true, ".udev": true, ".lxc": true, ".lxd-mounts": true}
	privilegedSkipNodes = map[string]bool{"console": true, "ptmx": true, "null": true, "zero": true, "full": true,
		"random": true, "urandom": true, "tty": true}
)

// HostDevices are the device nodes under dir (the host's /dev) that
// --privileged gives a container, as docker gives all of them. Rootless
// (the caller in skiff's user namespace), only the devices this process
// may open for reading or writing, as rootless podman does: the others
// belong to ids the namespace does not map and would be of no use.
func HostDevices(dir string, rootless bool) []DeviceMapping {
	var out []DeviceMapping
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: skipped
		}
		if d.IsDir() {
			if p != dir && privilegedSkipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&(fs.ModeDevice|fs.ModeCharDevice) == 0 || (filepath.Dir(p) == dir && privilegedSkipNodes[d.Name()]) {
			return nil
		}
		if rootless && unix.Access(p, unix.R_OK) != nil && unix.Access(p, unix.W_OK) != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, DeviceMapping{PathOnHost: p, PathInContainer: path.Join("/dev", filepath.ToSlash(rel)), CgroupPermissions: "rwm"})
		return nil
	})
	return out
}

// WithHostDevices adds bind mounts of devs to mounts, but none where a
// mount already is (--device, -v) or under one other than /dev itself:
// what the user asked for wins.
func WithHostDevices(mounts []specs.Mount, devs []DeviceMapping) []specs.Mount {
	taken := func(dst string) bool {
		for _, m := range mounts {
			if m.Destination != "/dev" && pathutil.Within(dst, m.Destination) {
				return true
			}
		}
		return false
	}
	var add []DeviceMapping
	for _, d := range devs {
		if !taken(d.PathInContainer) {
			add = append(add, d)
		}
	}
	return append(mounts, deviceMounts(add)...)
}
