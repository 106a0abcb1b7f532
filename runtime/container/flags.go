package container

import (
	"encoding/csv"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/labels"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// This file is the one place where the flags of run, create and update
// are read and checked. ParseCreateFlags and ParseUpdateFlags turn the
// values a command line gives into options (parse errors are the flags'
// own); validate checks the options themselves, whoever filled them (the
// CLI or, later, compose), before Create touches anything. What needs the
// installation's state (networks, other containers, the image) is checked
// by Create as it resolves it.

// Flags is how a command line hands its values over, by docker's flag
// names; *cli.Context (urfave/cli) satisfies it, without this package
// importing the CLI library. A flag the command does not define reads as
// its zero value.
type Flags interface {
	String(name string) string
	StringSlice(name string) []string
	Bool(name string) bool
	Int(name string) int
	Duration(name string) time.Duration
	IsSet(name string) bool
}

// FlagMap is Flags from values by flag name (a string, []string, bool,
// int or time.Duration each): how a caller without a command line, such
// as compose, says what a service's flags would be, so that its values go
// through the same parsers and checks as run's.
type FlagMap map[string]any

func (m FlagMap) String(n string) string { s, _ := m[n].(string); return s }
func (m FlagMap) StringSlice(n string) []string {
	s, _ := m[n].([]string)
	return s
}
func (m FlagMap) Bool(n string) bool              { b, _ := m[n].(bool); return b }
func (m FlagMap) Int(n string) int                { i, _ := m[n].(int); return i }
func (m FlagMap) Duration(n string) time.Duration { d, _ := m[n].(time.Duration); return d }
func (m FlagMap) IsSet(n string) bool             { _, ok := m[n]; return ok }

// ParseCreateFlags reads run's and create's flags; args are the image
// and the command after it. The streams the caller writes to (Warnings,
// the pull progress) are the caller's to set.
func ParseCreateFlags(f Flags, args []string) (*CreateOptions, error) {
	o := &CreateOptions{
		Spec: spec.Options{
			Image: args[0], Command: args[1:],
			Env: f.StringSlice("env"), EnvFiles: f.StringSlice("env-file"),
			WorkingDir: f.String("workdir"), User: f.String("user"),
			Hostname: f.String("hostname"), Domainname: f.String("domainname"),
			Init: f.Bool("init"), StopSignal: f.String("stop-signal"),
			Privileged: f.Bool("privileged"), CapAdd: f.StringSlice("cap-add"), CapDrop: f.StringSlice("cap-drop"),
			ReadOnly: f.Bool("read-only"), Tty: f.Bool("tty"), Interactive: f.Bool("interactive"),
		},
		Name:       f.String("name"),
		PodRef:     f.String("pod"),
		AutoRemove: f.Bool("rm"),
		Detach:     f.Bool("detach"),
	}
	var err error
	if o.NetworkOptions, err = networkFlags(f); err != nil {
		return nil, err
	}
	if f.IsSet("entrypoint") {
		ep := f.String("entrypoint")
		o.Spec.Entrypoint = &ep
	}
	if f.IsSet("stop-timeout") {
		t := f.Int("stop-timeout")
		o.Spec.StopTimeout = &t
	}
	fromFiles, err := readLabelFiles(f.StringSlice("label-file"))
	if err != nil {
		return nil, err
	}
	if o.Spec.Labels, err = labels.Parse(append(fromFiles, f.StringSlice("label")...)); err != nil {
		return nil, err
	}
	if err := hostFlags(f, o); err != nil {
		return nil, err
	}
	if err := namespaceFlags(f, &o.Spec); err != nil {
		return nil, err
	}
	if err := podmanFlags(f, o); err != nil {
		return nil, err
	}
	if o.RestartPolicy, err = ParseRestartPolicy(f.String("restart")); err != nil {
		return nil, err
	}
	o.Pull = image.EnsureOptions{Policy: f.String("pull"), PullOptions: image.PullOptions{Quiet: f.Bool("quiet"), Platform: f.String("platform")}}
	switch o.Pull.Policy {
	case image.PullAlways, image.PullMissing, image.PullNever:
	default:
		return nil, errdefs.Invalid("invalid --pull value %q: use always, missing or never", o.Pull.Policy)
	}
	if o.MountOptions, err = mountFlags(f); err != nil {
		return nil, err
	}
	if o.Spec.Resources, _, err = resourceFlags(f); err != nil {
		return nil, err
	}
	if o.Detach {
		if f.IsSet("attach") {
			return nil, errdefs.Invalid("conflicting options: cannot specify both --attach and --detach")
		}
		o.Streams = Streams{}
	}
	return o, nil
}

// hostFlags reads --shm-size, --group-add, --ulimit, --sysctl,
// --security-opt, --cidfile, --attach, the log and health flags,
// --annotation and --device.
func hostFlags(f Flags, o *CreateOptions) error {
	if v := f.String("shm-size"); v != "" {
		n, err := units.RAMInBytes(v)
		if err != nil || n <= 0 {
			return errdefs.Invalid("invalid --shm-size %q: use a positive size such as 128m or 1g", v)
		}
		o.Spec.ShmSize = n
	}
	o.Spec.GroupAdd = f.StringSlice("group-add")
	var err error
	if o.Spec.Ulimits, err = spec.ParseUlimits(f.StringSlice("ulimit")); err != nil {
		return err
	}
	if o.Spec.Sysctls, err = spec.ParseSysctls(f.StringSlice("sysctl")); err != nil {
		return err
	}
	sec, err := spec.ParseSecurityOpts(f.StringSlice("security-opt"))
	if err != nil {
		return err
	}
	o.SecurityOpt = sec.Opts // a seccomp profile's JSON, not its file name
	o.Spec.NoNewPrivileges, o.Spec.UnconfinedPaths = sec.NoNewPrivileges, sec.UnconfinedPaths
	if o.Spec.Privileged && !sec.NoNewPrivilegesGiven {
		// skiff's default, not the user's: a privileged container may
		// gain privileges (setuid), as with docker and podman
		o.Spec.NoNewPrivileges = false
	}
	o.CIDFile = f.String("cidfile")
	if o.Streams, err = ParseStreams(f.StringSlice("attach"), o.Spec.Interactive); err != nil {
		return err
	}
	if o.LogConfig, err = ParseLogConfig(f.String("log-driver"), f.StringSlice("log-opt")); err != nil {
		return err
	}
	o.Links = f.StringSlice("link")
	o.Health = healthFlags(f)
	if a := f.StringSlice("annotation"); len(a) > 0 {
		o.Spec.Annotations = map[string]string{}
		for _, kv := range a {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return errdefs.Invalid("invalid --annotation %q: use key=value", kv)
			}
			o.Spec.Annotations[k] = v
		}
	}
	for _, v := range f.StringSlice("device") {
		d, err := spec.ParseDevice(v)
		if err != nil {
			return err
		}
		o.Spec.Devices = append(o.Spec.Devices, d)
	}
	return nil
}

// namespaceFlags reads --ipc, --pid, --cgroupns, --oom-score-adj and
// --uts.
func namespaceFlags(f Flags, s *spec.Options) error {
	s.IPCMode = f.String("ipc")
	s.PIDMode = f.String("pid")
	switch ns := f.String("cgroupns"); ns {
	case "", "private":
	case "host":
		s.CgroupnsHost = true
	default:
		return errdefs.Invalid("invalid --cgroupns %q: use host or private", ns)
	}
	if f.IsSet("oom-score-adj") {
		v := f.Int("oom-score-adj")
		s.OOMScoreAdj = &v
	}
	switch uts := f.String("uts"); {
	case uts == "":
	case uts == "host":
		s.UTSHost = true
	case strings.HasPrefix(uts, "container:") && len(uts) > len("container:"):
		s.UTSMode = uts
	default:
		return errdefs.Invalid("invalid UTS mode %q: use host or container:NAME", uts)
	}
	return nil
}

// healthFlags reads the --health-* flags and --no-healthcheck.
func healthFlags(f Flags) HealthOptions {
	h := HealthOptions{Cmd: f.String("health-cmd"), Disable: f.Bool("no-healthcheck"), OnFailure: f.String("health-on-failure")}
	for name, dst := range map[string]**time.Duration{
		"health-interval": &h.Interval, "health-timeout": &h.Timeout,
		"health-start-period": &h.StartPeriod, "health-start-interval": &h.StartInterval,
	} {
		if f.IsSet(name) {
			d := f.Duration(name)
			*dst = &d
		}
	}
	if f.IsSet("health-retries") {
		n := f.Int("health-retries")
		h.Retries = &n
	}
	return h
}

// networkFlags reads the network flags (issue #5); Create resolves them.
func networkFlags(f Flags) (NetworkOptions, error) {
	o := NetworkOptions{
		Aliases: f.StringSlice("network-alias"),
		IP:      f.String("ip"), MacAddress: f.String("mac-address"),
		Publish: f.StringSlice("publish"), PublishAll: f.Bool("publish-all"), Expose: f.StringSlice("expose"),
		DNS: f.StringSlice("dns"), DNSSearch: f.StringSlice("dns-search"), DNSOptions: f.StringSlice("dns-option"),
		AddHosts: f.StringSlice("add-host"),
	}
	for _, v := range f.StringSlice("network") {
		name, eo, err := ParseNetworkValue(v)
		if err != nil {
			return o, err
		}
		o.Networks = append(o.Networks, name)
		if eo != nil {
			if o.Endpoints == nil {
				o.Endpoints = map[string]EndpointOptions{}
			}
			o.Endpoints[name] = *eo
		}
	}
	return o, nil
}

// ParseNetworkValue reads one --network value: a mode or network name,
// or docker's long form "name=NET,alias=A,alias=B,ip=IP,mac-address=MAC,gw-priority=N"
// (then the endpoint's own options are returned too).
func ParseNetworkValue(v string) (string, *EndpointOptions, error) {
	if !strings.HasPrefix(v, "name=") {
		return v, nil, nil
	}
	r := csv.NewReader(strings.NewReader(v))
	fields, err := r.Read()
	if err != nil {
		return "", nil, errdefs.Invalid("invalid --network %q: %v", v, err)
	}
	var name string
	eo := &EndpointOptions{}
	for _, field := range fields {
		k, val, ok := strings.Cut(field, "=")
		if !ok || val == "" {
			return "", nil, errdefs.Invalid("invalid --network %q: %q needs a value", v, k)
		}
		switch k {
		case "name":
			name = val
		case "alias":
			eo.Aliases = append(eo.Aliases, val)
		case "ip":
			eo.IP = val
		case "mac-address":
			eo.MacAddress = val
		case "gw-priority":
			if eo.GwPriority, err = strconv.Atoi(val); err != nil {
				return "", nil, errdefs.Invalid("invalid --network %q: gw-priority %q is no integer", v, val)
			}
		default:
			return "", nil, errdefs.Invalid("invalid --network %q: unknown option %q: use name, alias, ip, mac-address or gw-priority", v, k)
		}
	}
	return name, eo, nil
}

// mountFlags reads the storage flags (issue #4); relative "./" sources
// are taken from the current directory, as docker's CLI does.
func mountFlags(f Flags) (MountOptions, error) {
	var o MountOptions
	if d := f.String("volume-driver"); d != "" && d != "local" {
		return o, errdefs.Invalid("volume driver %q is not supported: skiff has only the local driver", d)
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "/"
	}
	for _, v := range f.StringSlice("volume") {
		r, err := mounts.ParseVolume(mounts.AbsoluteBind(v, cwd))
		if err != nil {
			return o, err
		}
		o.Requests = append(o.Requests, r)
	}
	for _, v := range f.StringSlice("mount") {
		r, err := mounts.ParseMount(v, cwd)
		if err != nil {
			return o, err
		}
		o.Requests = append(o.Requests, r)
	}
	for _, v := range f.StringSlice("tmpfs") {
		target, opts, err := mounts.ParseTmpfs(v)
		if err != nil {
			return o, err
		}
		o.Tmpfs = append(o.Tmpfs, TmpfsMount{Target: target, Options: opts})
	}
	for _, v := range f.StringSlice("volumes-from") {
		if _, _, err := mounts.ParseVolumesFrom(v); err != nil {
			return o, err
		}
		o.VolumesFrom = append(o.VolumesFrom, v)
	}
	o.Userns = f.String("userns")
	return o, nil
}

// resourceFlags reads the resource limit flags (issue #13) with docker's
// units and messages (spec.ResourceFlags.Parse) and reports whether any
// was given; update defines fewer of them than run and create.
func resourceFlags(f Flags) (spec.Resources, bool, error) {
	var rf spec.ResourceFlags
	given := false
	for name, dst := range map[string]*string{
		"memory": &rf.Memory, "memory-swap": &rf.MemorySwap, "memory-reservation": &rf.MemoryReservation,
		"memory-swappiness": &rf.MemorySwappiness, "kernel-memory": &rf.KernelMemory,
		"cpus": &rf.CPUs, "cpu-shares": &rf.CPUShares, "cpu-period": &rf.CPUPeriod, "cpu-quota": &rf.CPUQuota,
		"cpuset-cpus": &rf.CpusetCpus, "cpuset-mems": &rf.CpusetMems,
		"pids-limit": &rf.PidsLimit, "blkio-weight": &rf.BlkioWeight, "cgroup-parent": &rf.CgroupParent,
	} {
		*dst = f.String(name)
		given = given || f.IsSet(name)
	}
	for name, dst := range map[string]*[]string{
		"blkio-weight-device": &rf.BlkioWeightDevice,
		"device-read-bps":     &rf.DeviceReadBps, "device-write-bps": &rf.DeviceWriteBps,
		"device-read-iops": &rf.DeviceReadIOps, "device-write-iops": &rf.DeviceWriteIOps,
	} {
		*dst = f.StringSlice(name)
		given = given || f.IsSet(name)
	}
	if f.IsSet("oom-kill-disable") {
		v := f.Bool("oom-kill-disable")
		rf.OomKillDisable, given = &v, true
	}
	r, err := rf.Parse()
	return r, given, err
}

// readLabelFiles reads --label-file files: a key=value label a line,
// blank lines and # comments skipped; --label given after them wins.
func readLabelFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, errdefs.Invalid("reading the label file: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out, nil
}

// ParseUpdateFlags reads update's flags (the restart policy and the
// live-changeable limits); giving none is an error. Update checks the
// merged limits against the host, as Create does.
func ParseUpdateFlags(f Flags) (UpdateOptions, error) {
	var o UpdateOptions
	if f.IsSet("restart") {
		p, err := ParseRestartPolicy(f.String("restart"))
		if err != nil {
			return o, err
		}
		o.RestartPolicy = &p
	}
	r, given, err := resourceFlags(f)
	if err != nil {
		return o, err
	}
	if given {
		o.Resources = &r
	}
	if o.RestartPolicy == nil && o.Resources == nil {
		return o, errdefs.Invalid("you must provide one or more flags when using this command")
	}
	return o, nil
}

// validate checks what the options say on their own, and the limits
// against what the host's cgroups offer, before Create looks anything up.
func (o *CreateOptions) validate(e *engine.Engine) error {
	s := &o.Spec
	if err := validateSpec(s, o.Infra); err != nil {
		return err
	}
	if o.Name != "" {
		if err := ValidateName(o.Name); err != nil {
			return err
		}
	}
	if (s.UTSHost || s.UTSMode != "") && s.Hostname != "" {
		return errdefs.Invalid("conflicting options: hostname and the UTS mode")
	}
	if o.AutoRemove && o.RestartPolicy.Name != "" && o.RestartPolicy.Name != "no" {
		return errdefs.Invalid("conflicting options: cannot specify both --restart and --rm")
	}
	if err := o.Health.validate(); err != nil {
		return err
	}
	if err := o.validatePodman(); err != nil {
		return err
	}
	if err := validateLogDriver(o.LogConfig, s.Tty); err != nil {
		return err
	}
	if err := validateNetworkFlags(&o.NetworkOptions); err != nil {
		return err
	}
	return validateResources(e, &o.Spec.Resources, o.Warnings)
}

// validateSpec checks the options that shape the OCI spec.
func validateSpec(o *spec.Options, infra bool) error {
	if o.Image == "" && !infra {
		return errdefs.Invalid("an image name is required")
	}
	if o.WorkingDir != "" && !path.IsAbs(o.WorkingDir) {
		return errdefs.Invalid("the working directory %q is invalid: it needs to be an absolute path", o.WorkingDir)
	}
	if o.StopSignal != "" {
		if _, err := spec.ParseSignal(o.StopSignal); err != nil {
			return err
		}
	}
	if o.Hostname != "" && (len(o.Hostname) > 64 || strings.ContainsAny(o.Hostname, " /\t")) {
		return errdefs.Invalid("invalid hostname %q", o.Hostname)
	}
	if m := o.PIDMode; m != "" && m != "host" && (!strings.HasPrefix(m, "container:") || m == "container:") {
		return errdefs.Invalid("invalid PID mode %q: use host or container:NAME", m)
	}
	switch m := o.IPCMode; {
	case m == "", m == "private", m == "shareable", m == "none", m == "host":
	case strings.HasPrefix(m, "container:") && len(m) > len("container:"):
	default:
		return errdefs.Invalid("invalid IPC mode %q: use private, shareable, none, host or container:NAME", m)
	}
	if v := o.OOMScoreAdj; v != nil && (*v < -1000 || *v > 1000) {
		return errdefs.Invalid("invalid --oom-score-adj %d: use -1000 to 1000", *v)
	}
	for _, e := range o.Env {
		if strings.HasPrefix(e, "=") || e == "" {
			return errdefs.Invalid("invalid environment variable: %q", e)
		}
	}
	return nil
}

// validate checks the --health-* flags; merging them with the
// image's check is Create's (healthConfig).
func (o *HealthOptions) validate() error {
	if o.Disable && o.set() {
		return errdefs.Invalid("--no-healthcheck conflicts with --health-* options")
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
	}{{"interval", o.Interval}, {"timeout", o.Timeout}, {"start-period", o.StartPeriod}, {"start-interval", o.StartInterval}} {
		switch {
		case d.v == nil:
		case *d.v != 0 && *d.v < time.Millisecond:
			return errdefs.Invalid("--health-%s cannot be less than 1ms", d.name)
		case *d.v < 0:
			return errdefs.Invalid("--health-%s cannot be negative", d.name)
		}
	}
	if o.Retries != nil && *o.Retries < 0 {
		return errdefs.Invalid("--health-retries cannot be negative")
	}
	switch o.OnFailure {
	case "", "none", "kill", "restart", "stop":
	default:
		return errdefs.Invalid("invalid --health-on-failure %q: use none, kill, restart or stop", o.OnFailure)
	}
	return nil
}

// validateNetworkFlags checks --add-host and --dns, which need no
// network looked up (the other network flags are checked as Create
// resolves the networks: network_opts.go).
func validateNetworkFlags(o *NetworkOptions) error {
	for _, h := range o.AddHosts {
		if _, _, err := ParseAddHost(h); err != nil {
			return err
		}
	}
	for _, s := range o.DNS {
		if net.ParseIP(s) == nil {
			return errdefs.Invalid("%s is not an ip address: --dns takes IP addresses", s)
		}
	}
	return nil
}

// ---- podman's run and create flags (issue #17) ----

// podmanFlags reads the flags podman's run and create add to docker's:
// --tz, --timeout, --hostuser, --requires, --init-path, --preserve-fds,
// --env-host and --http-proxy (--pod is read with the namespace flags). The
// dialect's default environment (podman's TERM and container) comes in
// here too.
func podmanFlags(f Flags, o *CreateOptions) error {
	x := &o.Extra
	x.Timezone = f.String("tz")
	if f.IsSet("timeout") {
		if x.Timeout = f.Int("timeout"); x.Timeout < 0 {
			return errdefs.Invalid("invalid --timeout %d: use a number of seconds", x.Timeout)
		}
	}
	x.HostUsers = f.StringSlice("hostuser")
	for _, r := range f.StringSlice("requires") {
		x.Requires = append(x.Requires, strings.Split(r, ",")...)
	}
	if p := f.String("init-path"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		o.Spec.InitPath = abs
	}
	if o.PreserveFDs = f.Int("preserve-fds"); o.PreserveFDs < 0 {
		return errdefs.Invalid("invalid --preserve-fds %d: use a number of descriptors", o.PreserveFDs)
	}
	proxy := dialect.Current().HTTPProxy
	if f.IsSet("http-proxy") {
		proxy = f.Bool("http-proxy")
	}
	o.Spec.HostEnv = HostEnv(f.Bool("env-host"), proxy)
	o.Spec.DefaultEnv = dialect.Current().DefaultEnv
	return nil
}

// proxyVars are the variables --http-proxy passes (podman-run(1)).
var proxyVars = []string{"http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"}

// HostEnv is what a container gets from the host's environment: the
// proxy variables (proxy), then with all the whole environment but
// skiff's own variables (--env-host).
func HostEnv(all, proxy bool) []string {
	var env []string
	if proxy {
		for _, k := range proxyVars {
			if v, ok := os.LookupEnv(k); ok {
				env = append(env, k+"="+v)
			}
		}
	}
	if all {
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "_SKIFF_") && !strings.HasPrefix(kv, "_CONTAINERS_") {
				env = append(env, kv)
			}
		}
	}
	return env
}

// validatePodman checks podman's flags that need no state: the zone, the
// host's accounts, the init binary.
func (o *CreateOptions) validatePodman() error {
	if tz := o.Extra.Timezone; tz != "" {
		if _, err := zoneFile(tz); err != nil {
			return err
		}
	}
	for _, u := range o.Extra.HostUsers {
		if _, err := spec.HostPasswdLine(u); err != nil {
			return err
		}
	}
	if p := o.Spec.InitPath; p != "" {
		if !o.Spec.Init {
			return errdefs.Invalid("--init-path %s needs --init: the binary runs as the container's init", p)
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return errdefs.Invalid("--init-path %s: not a file on this host", p)
		}
	}
	return nil
}
