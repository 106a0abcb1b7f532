package spec

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Input is everything Generate needs besides the flags.
type Input struct {
	ID       string
	Options  *Options
	Image    *ImageConfig // nil for an image without configuration
	EnvFiles [][]string   // contents of --env-file, in order
	// Lookup resolves "-e VAR" without a value (the host's environment).
	Lookup func(string) (string, bool)
	// SingleID is true when only one uid/gid is mapped (rootless without a
	// subuid range): ids like the tty group cannot be used.
	SingleID bool
}

// Generated is the spec plus the docker-visible facts derived with it.
type Generated struct {
	Spec    *specs.Spec
	Command Command
	Env     []string
	Caps    []string
}

// MaskedPaths are hidden from containers (docker's list).
var MaskedPaths = []string{
	"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
}

// ReadonlyPaths are visible but read-only (docker's list).
var ReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}

// Generate builds the OCI spec of a new container from options that have
// passed runtime/container's checks (flags.go). The root filesystem path
// and the resolved user are filled in at start (Finalize).
func Generate(in Input) (*Generated, error) {
	o := in.Options
	cmd := ResolveCommand(o, in.Image)
	argv := cmd.Argv()
	if len(argv) == 0 {
		return nil, errdefs.Invalid("no command specified: the image has no CMD or ENTRYPOINT; give a command after the image name")
	}
	caps, err := Capabilities(o.Privileged, o.CapAdd, o.CapDrop)
	if err != nil {
		return nil, errdefs.Invalid("%v", err)
	}
	var imgEnv []string
	cwd := "/"
	user := o.User
	if in.Image != nil {
		imgEnv = in.Image.Env
		if in.Image.WorkingDir != "" {
			cwd = in.Image.WorkingDir
		}
		if user == "" {
			user = in.Image.User
		}
	}
	if o.WorkingDir != "" {
		cwd = o.WorkingDir
	}
	lookup := in.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	env := MergeEnv(imgEnv, append([][]string{o.HostEnv}, in.EnvFiles...), o.Env, lookup)
	hostname := o.Hostname
	if hostname == "" && len(in.ID) >= 12 {
		hostname = in.ID[:12]
	}
	if _, ok := Getenv(env, "HOSTNAME"); !ok {
		env = append(env, "HOSTNAME="+hostname)
	}
	if _, ok := Getenv(env, "TERM"); !ok && o.Tty {
		env = append(env, "TERM=xterm")
	}
	for _, kv := range o.DefaultEnv {
		if k, _, _ := strings.Cut(kv, "="); !hasEnv(env, k) {
			env = append(env, kv)
		}
	}
	s := &specs.Spec{
		Version:    specs.Version,
		Hostname:   hostname,
		Domainname: o.Domainname,
		Root:       &specs.Root{Path: "", Readonly: o.ReadOnly},
		Process: &specs.Process{
			Terminal:        o.Tty,
			Args:            argv,
			Env:             env,
			Cwd:             path.Clean(cwd),
			NoNewPrivileges: o.NoNewPrivileges,
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
		},
		Mounts: append(defaultMounts(o.Privileged, in.SingleID, o.ShmSize), deviceMounts(o.Devices)...),
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
				{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.CgroupNamespace},
			},
			Sysctl:            maps.Clone(DefaultSysctls),
			RootfsPropagation: "rslave",
		},
		Annotations: map[string]string{},
	}
	applyNamespaceModes(s, o)
	s.Linux.Resources = LinuxResources(&o.Resources)
	s.Process.OOMScoreAdj = o.OOMScoreAdj
	maps.Copy(s.Annotations, o.Annotations)
	maps.Copy(s.Linux.Sysctl, o.Sysctls)
	for _, u := range o.Ulimits {
		s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{
			Type: "RLIMIT_" + strings.ToUpper(u.Name), Hard: uint64(u.Hard), Soft: uint64(u.Soft),
		})
	}
	if !o.Privileged && !o.UnconfinedPaths {
		s.Linux.MaskedPaths = MaskedPaths
		s.Linux.ReadonlyPaths = ReadonlyPaths
	}
	s.Process.User.Username = user
	if o.Init && o.InitPath != "" {
		s.Process.Args = append([]string{InitMount, "--"}, argv...)
		s.Mounts = append(s.Mounts, specs.Mount{Destination: InitMount, Type: "bind", Source: o.InitPath, Options: []string{"rbind", "ro"}})
	}
	return &Generated{Spec: s, Command: cmd, Env: env, Caps: caps}, nil
}

func hasEnv(env []string, key string) bool {
	_, ok := Getenv(env, key)
	return ok
}

// DefaultSysctls are set in every container with a network namespace of
// its own, as docker does (ping and low ports without privileges); the
// init sets them where it can and does not fail when it cannot.
var DefaultSysctls = map[string]string{
	"net.ipv4.ping_group_range":           "0 2147483647",
	"net.ipv4.ip_unprivileged_port_start": "0",
}

// defaultMounts are docker's: proc, a tmpfs /dev with pts, shm (of
// shmSize bytes, 0: 64 MiB) and mqueue, a read-only sysfs and cgroup.
func defaultMounts(privileged, singleID bool, shmSize int64) []specs.Mount {
	ptsOpts := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}
	if !singleID {
		ptsOpts = append(ptsOpts, "gid=5")
	}
	ro := "ro"
	if privileged {
		ro = "rw"
	}
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: ptsOpts},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", ro}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", ro}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", shmOption(shmSize)}},
	}
}

// Finalize fills in what needs the mounted root filesystem: the user's
// ids and groups from /etc/passwd and /etc/group (with the --group-add
// groups, names or numbers), HOME, and the reduced capabilities of a
// non-root user (docker gives them none but bounding).
func Finalize(s *specs.Spec, rootfs string, groupAdd []string) error {
	return FinalizePasswd(s, rootfs, groupAdd, nil)
}

// FinalizePasswd is Finalize with the container's /etc/passwd given
// (--hostuser's, which start mounts over the image's); nil reads the
// image's.
func FinalizePasswd(s *specs.Spec, rootfs string, groupAdd []string, passwd []byte) error {
	users, _ := readPasswd(rootfs)
	if passwd != nil {
		users = parsePasswd(bytes.NewReader(passwd))
	}
	groups, _ := readGroups(rootfs)
	u, err := resolveUser(s.Process.User.Username, users, groups)
	if err == nil {
		err = u.addGroups(rootfs, groupAdd)
	}
	if err != nil {
		if errors.Is(err, ErrNoSuchUser) {
			return errdefs.Invalid("%v", err)
		}
		return err
	}
	s.Process.User.UID, s.Process.User.GID = u.UID, u.GID
	s.Process.User.AdditionalGids = u.AdditionalGids
	if _, ok := Getenv(s.Process.Env, "HOME"); !ok {
		s.Process.Env = append(s.Process.Env, "HOME="+u.Home)
	}
	if u.UID != 0 {
		s.Process.Capabilities.Effective = nil
		s.Process.Capabilities.Permitted = nil
	}
	s.Root.Path = rootfs
	return nil
}

// ParseSignal accepts "SIGTERM", "TERM", "term" or a number.
func ParseSignal(s string) (unix.Signal, error) {
	if s == "" {
		return 0, errdefs.Invalid("empty signal")
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
		if n <= 0 || n > 64 {
			return 0, errdefs.Invalid("invalid signal: %s", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	if strings.HasPrefix(name, "SIGRTMIN") || strings.HasPrefix(name, "SIGRTMAX") {
		return parseRealtime(name)
	}
	return 0, errdefs.Invalid("invalid signal: %s", s)
}

func parseRealtime(name string) (unix.Signal, error) {
	base, off := 34, 0
	rest := strings.TrimPrefix(name, "SIGRTMIN")
	if strings.HasPrefix(name, "SIGRTMAX") {
		base, rest = 64, strings.TrimPrefix(name, "SIGRTMAX")
	}
	if rest != "" {
		if _, err := fmt.Sscanf(rest, "%d", &off); err != nil {
			return 0, errdefs.Invalid("invalid signal: %s", name)
		}
	}
	n := base + off
	if n < 34 || n > 64 {
		return 0, errdefs.Invalid("invalid signal: %s", name)
	}
	return unix.Signal(n), nil
}

// applyNamespaceModes applies --ipc and --uts: the host's namespace is
// not unshared (and the host's /dev/shm is bound), none has no /dev/shm;
// container:NAME is joined at start (JoinIPC).
func applyNamespaceModes(s *specs.Spec, o *Options) {
	drop := func(t specs.LinuxNamespaceType) {
		s.Linux.Namespaces = slices.DeleteFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == t })
	}
	switch o.IPCMode {
	case "host":
		drop(specs.IPCNamespace)
		setShm(s, &specs.Mount{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm", Options: []string{"rbind"}})
	case "none":
		setShm(s, nil)
	}
	if o.PIDMode == "host" {
		drop(specs.PIDNamespace)
	}
	if o.CgroupnsHost {
		drop(specs.CgroupNamespace)
	}
	if o.UTSHost {
		drop(specs.UTSNamespace)
		s.Hostname, s.Domainname = "", "" // the host's: never set from inside
	}
	if strings.HasPrefix(o.UTSMode, "container:") {
		s.Hostname, s.Domainname = "", "" // the other container's
	}
}

// setShm replaces the /dev/shm mount (nil: removes it).
func setShm(s *specs.Spec, m *specs.Mount) {
	i := slices.IndexFunc(s.Mounts, func(m specs.Mount) bool { return m.Destination == "/dev/shm" })
	switch {
	case i < 0 && m != nil:
		s.Mounts = append(s.Mounts, *m)
	case i >= 0 && m != nil:
		s.Mounts[i] = *m
	case i >= 0:
		s.Mounts = slices.Delete(s.Mounts, i, i+1)
	}
}

// JoinIPC makes s join the IPC namespace of the process pid (--ipc
// container:NAME, at start); BindShm gives it the donor's /dev/shm.
func JoinIPC(s *specs.Spec, pid int) { join(s, specs.IPCNamespace, pid) }

// JoinPID makes s join the PID namespace of the process pid (--pid
// container:NAME, at start).
func JoinPID(s *specs.Spec, pid int) { join(s, specs.PIDNamespace, pid) }

func join(s *specs.Spec, typ specs.LinuxNamespaceType, pid int) {
	s.Linux.Namespaces = slices.Clone(s.Linux.Namespaces)
	for i, ns := range s.Linux.Namespaces {
		if ns.Type == typ {
			s.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", pid, nsFile[typ])
		}
	}
}

// JoinUTS makes s join the UTS namespace of the process pid (--uts
// container:NAME, at start).
func JoinUTS(s *specs.Spec, pid int) { join(s, specs.UTSNamespace, pid) }

var nsFile = map[specs.LinuxNamespaceType]string{specs.IPCNamespace: "ipc", specs.PIDNamespace: "pid", specs.UTSNamespace: "uts"}

// BindShm makes /dev/shm a bind mount of source: a shareable container's
// own tmpfs, mounted outside it so that others can share it.
func BindShm(s *specs.Spec, source string) {
	setShm(s, &specs.Mount{Destination: "/dev/shm", Type: "bind", Source: source, Options: []string{"rbind"}})
}
