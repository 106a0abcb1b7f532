package compose

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/image"
)

// refs resolves what a service names of other services to containers:
// network_mode, ipc and pid "service:X" and volumes_from, by the ID of
// X's first container.
type refs func(service string) (string, error)

// CreateOptions turns a service into run's options for its container
// name, with the labels given. The service's fields become the flags
// `docker run` would be given (FlagMap) and go through the same
// parsers and checks as run's (container.ParseCreateFlags); what has no
// flag of its own is set on the result: a list entrypoint, a whole
// health test, each network's aliases and address. Fields skiff cannot
// carry out are refused with one line naming them.
func (p *Project) CreateOptions(s *types.ServiceConfig, name string, labels map[string]string, resolve refs) (*container.CreateOptions, error) {
	if err := unsupported(s); err != nil {
		return nil, err
	}
	f := container.FlagMap{
		"pull": image.PullNever, "detach": true, "name": name,
		"workdir": s.WorkingDir, "user": s.User, "hostname": s.Hostname, "domainname": s.DomainName,
		"stop-signal": s.StopSignal, "privileged": s.Privileged, "cap-add": s.CapAdd, "cap-drop": s.CapDrop,
		"read-only": s.ReadOnly, "tty": s.Tty, "interactive": s.StdinOpen, "group-add": s.GroupAdd,
		"security-opt": s.SecurityOpt, "userns": s.UserNSMode, "uts": s.Uts, "mac-address": s.MacAddress,
		"env": environment(s.Environment), "label": keyValues(labels), "annotation": keyValues(s.Annotations),
		"dns": []string(s.DNS), "dns-search": []string(s.DNSSearch), "dns-option": s.DNSOpts, "tmpfs": []string(s.Tmpfs),
		"sysctl": keyValues(s.Sysctls), "ulimit": ulimits(s.Ulimits), "add-host": hosts(s.ExtraHosts),
		"expose": []string(s.Expose), "publish": ports(s.Ports), "device": devices(s.Devices),
		"restart": restartPolicy(s),
	}
	if s.Init != nil {
		f["init"] = *s.Init
	}
	if s.ShmSize > 0 {
		f["shm-size"] = strconv.FormatInt(int64(s.ShmSize), 10)
	}
	if s.OomScoreAdj != 0 {
		f["oom-score-adj"] = int(s.OomScoreAdj)
	}
	if s.StopGracePeriod != nil {
		f["stop-timeout"] = int(time.Duration(*s.StopGracePeriod) / time.Second)
	}
	if s.Logging != nil {
		f["log-driver"], f["log-opt"] = s.Logging.Driver, keyValues(s.Logging.Options)
	}
	switch s.Cgroup {
	case "", "private", "host":
		f["cgroupns"] = s.Cgroup
	default:
		return nil, serviceErr(s, "invalid cgroup %q: use host or private", s.Cgroup)
	}
	for key, mode := range map[string]string{"ipc": s.Ipc, "pid": s.Pid} {
		m, err := shareMode(mode, resolve)
		if err != nil {
			return nil, serviceErr(s, "%s: %v", key, err)
		}
		f[key] = m
	}
	resourceFlags(s, f)
	if err := p.networkFlags(s, f, resolve); err != nil {
		return nil, err
	}
	if err := p.volumeFlags(s, f, resolve); err != nil {
		return nil, err
	}
	if err := checkFlagTypes(f); err != nil {
		return nil, err
	}
	o, err := container.ParseCreateFlags(f, append([]string{imageName(p.Name, s)}, s.Command...))
	if err != nil {
		return nil, serviceErr(s, "%v", err)
	}
	if s.Entrypoint != nil {
		o.Spec.EntrypointList = slices.Clone([]string(s.Entrypoint))
		if o.Spec.EntrypointList == nil {
			o.Spec.EntrypointList = []string{}
		}
	}
	o.Health = health(s.HealthCheck)
	return o, nil
}

// checkFlagTypes makes sure every value has a type FlagMap reads: a
// named type (compose-go's StringList, ...) would be read as unset.
func checkFlagTypes(f container.FlagMap) error {
	for name, v := range f {
		switch v.(type) {
		case string, []string, bool, int, time.Duration:
		default:
			return fmt.Errorf("internal error: flag %s is a %T", name, v)
		}
	}
	return nil
}

// serviceErr is an error about service s, docker compose's way: one line
// naming the service.
func serviceErr(s *types.ServiceConfig, format string, args ...any) error {
	return errdefs.Invalid("service %q: %s", s.Name, fmt.Sprintf(format, args...))
}

// unsupported refuses the fields skiff cannot carry out, one line each:
// a compose file relying on them must not seem to work.
func unsupported(s *types.ServiceConfig) error {
	var devs bool
	if s.Deploy != nil {
		for _, r := range []*types.Resource{s.Deploy.Resources.Limits, s.Deploy.Resources.Reservations} {
			devs = devs || (r != nil && len(r.Devices)+len(r.GenericResources) > 0)
		}
	}
	fields := []struct {
		set  bool
		name string
	}{
		{s.CPUCount != 0, "cpu_count"}, {s.CPUPercent != 0, "cpu_percent"},
		{s.CPURTPeriod != 0, "cpu_rt_period"}, {s.CPURTRuntime != 0, "cpu_rt_runtime"},
		{devs, "deploy.resources devices and generic_resources"},
		{len(s.Gpus) > 0, "gpus"}, {s.Runtime != "" && s.Runtime != "runc", "runtime"},
		{s.Isolation != "" && s.Isolation != "default", "isolation"},
		{len(s.DeviceCgroupRules) > 0, "device_cgroup_rules"}, {len(s.StorageOpt) > 0, "storage_opt"},
		{s.CredentialSpec != nil, "credential_spec"}, {s.UseAPISocket, "use_api_socket"},
		{len(s.Models) > 0, "models"}, {s.Provider != nil, "provider"},
		{len(s.PreStart)+len(s.PostStart)+len(s.PreStop) > 0, "pre_start, post_start and pre_stop hooks"},
		{len(s.ExternalLinks) > 0, "external_links"}, {s.VolumeDriver != "" && s.VolumeDriver != "local", "volume_driver"},
		{s.Umask != nil, "umask"},
	}
	for _, o := range fields {
		if o.set {
			return serviceErr(s, "%s is not supported by skiff; remove it", o.name)
		}
	}
	return nil
}

// resourceFlags gives the service's limits to run's resource flags, as
// docker compose maps them onto a container's: mem_limit, cpus, pids_limit
// and the rest one to one, deploy.resources.limits (memory, cpus, pids)
// over them, and of deploy.resources.reservations the memory (a CPU
// reservation is swarm's: docker compose drops it too). The flags' parser
// and the checks against the host are run's.
func resourceFlags(s *types.ServiceConfig, f container.FlagMap) {
	num := func(flag string, v int64) {
		if v != 0 {
			f[flag] = strconv.FormatInt(v, 10)
		}
	}
	cpus := func(v float32) {
		if v != 0 {
			f["cpus"] = strconv.FormatFloat(float64(v), 'f', -1, 32)
		}
	}
	num("memory", int64(s.MemLimit))
	num("memory-reservation", int64(s.MemReservation))
	num("memory-swap", int64(s.MemSwapLimit))
	num("memory-swappiness", int64(s.MemSwappiness))
	cpus(s.CPUS)
	num("cpu-shares", s.CPUShares)
	num("cpu-quota", s.CPUQuota)
	num("cpu-period", s.CPUPeriod)
	num("pids-limit", s.PidsLimit)
	if s.CPUSet != "" {
		f["cpuset-cpus"] = s.CPUSet
	}
	if s.OomKillDisable {
		f["oom-kill-disable"] = true
	}
	if s.CgroupParent != "" {
		f["cgroup-parent"] = s.CgroupParent
	}
	if b := s.BlkioConfig; b != nil {
		num("blkio-weight", int64(b.Weight))
		for _, d := range b.WeightDevice {
			f["blkio-weight-device"] = append(f.StringSlice("blkio-weight-device"), fmt.Sprintf("%s:%d", d.Path, d.Weight))
		}
		for flag, ds := range map[string][]types.ThrottleDevice{
			"device-read-bps": b.DeviceReadBps, "device-write-bps": b.DeviceWriteBps,
			"device-read-iops": b.DeviceReadIOps, "device-write-iops": b.DeviceWriteIOps,
		} {
			for _, d := range ds {
				f[flag] = append(f.StringSlice(flag), fmt.Sprintf("%s:%d", d.Path, d.Rate))
			}
		}
	}
	if s.Deploy == nil {
		return
	}
	if l := s.Deploy.Resources.Limits; l != nil {
		num("memory", int64(l.MemoryBytes))
		cpus(float32(l.NanoCPUs))
		if l.Pids > 0 {
			num("pids-limit", l.Pids)
		}
	}
	if r := s.Deploy.Resources.Reservations; r != nil {
		num("memory-reservation", int64(r.MemoryBytes))
	}
}

// imageName is the service's image, or the name docker compose gives
// the image it builds: PROJECT-SERVICE.
func imageName(project string, s *types.ServiceConfig) string {
	if s.Image != "" {
		return s.Image
	}
	return project + "-" + s.Name
}

// environment is the service's resolved environment (env_file
// included) as KEY=VALUE; a variable without a value is left out, as
// docker compose does.
func environment(m types.MappingWithEquals) []string {
	var out []string
	for k, v := range m {
		if v != nil {
			out = append(out, k+"="+*v)
		}
	}
	slices.Sort(out)
	return out
}

func keyValues[M ~map[string]string](m M) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

func ulimits(m map[string]*types.UlimitsConfig) []string {
	var out []string
	for name, u := range m {
		switch {
		case u == nil:
		case u.Single != 0:
			out = append(out, fmt.Sprintf("%s=%d", name, u.Single))
		default:
			out = append(out, fmt.Sprintf("%s=%d:%d", name, u.Soft, u.Hard))
		}
	}
	slices.Sort(out)
	return out
}

func hosts(h types.HostsList) []string {
	var out []string
	for host, ips := range h {
		for _, ip := range ips {
			out = append(out, host+"="+ip)
		}
	}
	slices.Sort(out)
	return out
}

// ports writes the service's ports as -p values: [IP:][PUBLISHED:]TARGET/PROTO.
func ports(ps []types.ServicePortConfig) []string {
	var out []string
	for _, pc := range ps {
		v := strconv.FormatUint(uint64(pc.Target), 10)
		if pc.Published != "" || pc.HostIP != "" {
			v = pc.Published + ":" + v
		}
		if pc.HostIP != "" {
			ip := pc.HostIP
			if a, err := netip.ParseAddr(ip); err == nil && a.Is6() {
				ip = "[" + ip + "]"
			}
			v = ip + ":" + v
		}
		if pc.Protocol != "" {
			v += "/" + pc.Protocol
		}
		out = append(out, v)
	}
	return out
}

func devices(ds []types.DeviceMapping) []string {
	var out []string
	for _, d := range ds {
		v := d.Source
		if d.Target != "" {
			v += ":" + d.Target
		}
		if d.Permissions != "" {
			v += ":" + d.Permissions
		}
		out = append(out, v)
	}
	return out
}

// restartPolicy is restart:, else deploy.restart_policy as docker
// compose reads it (any: always, on-failure[:max_attempts], none: no).
func restartPolicy(s *types.ServiceConfig) string {
	if s.Restart != "" || s.Deploy == nil || s.Deploy.RestartPolicy == nil {
		return s.Restart
	}
	rp := s.Deploy.RestartPolicy
	switch rp.Condition {
	case "none":
		return "no"
	case "on-failure":
		if rp.MaxAttempts != nil {
			return fmt.Sprintf("on-failure:%d", *rp.MaxAttempts)
		}
		return "on-failure"
	}
	return "always"
}

// shareMode resolves an ipc or pid mode naming a service.
func shareMode(mode string, resolve refs) (string, error) {
	svc, ok := strings.CutPrefix(mode, types.ServicePrefix)
	if !ok {
		return mode, nil
	}
	id, err := resolve(svc)
	if err != nil {
		return "", err
	}
	return "container:" + id, nil
}

// health is the service's healthcheck as the --health-* options.
func health(hc *types.HealthCheckConfig) container.HealthOptions {
	var o container.HealthOptions
	if hc == nil {
		return o
	}
	if hc.Disable || (len(hc.Test) > 0 && hc.Test[0] == "NONE") {
		o.Disable = true
		return o
	}
	o.Test = slices.Clone([]string(hc.Test))
	for _, d := range []struct {
		v   *types.Duration
		dst **time.Duration
	}{{hc.Interval, &o.Interval}, {hc.Timeout, &o.Timeout}, {hc.StartPeriod, &o.StartPeriod}, {hc.StartInterval, &o.StartInterval}} {
		if d.v != nil {
			v := time.Duration(*d.v)
			*d.dst = &v
		}
	}
	if hc.Retries != nil {
		n := int(*hc.Retries)
		o.Retries = &n
	}
	return o
}

// networkFlags sets --network: network_mode, or each of the service's
// networks in priority order in --network's long form with the service's
// name and the network's aliases (and address), so that every replica
// answers to the service's name.
func (p *Project) networkFlags(s *types.ServiceConfig, f container.FlagMap, resolve refs) error {
	if s.NetworkMode != "" {
		mode, err := shareMode(s.NetworkMode, resolve)
		if err != nil {
			return serviceErr(s, "network_mode: %v", err)
		}
		f["network"] = []string{mode}
		return nil
	}
	var nets []string
	for _, key := range s.NetworksByPriority() {
		n, ok := p.Networks[key]
		if !ok {
			return serviceErr(s, "network %s is not declared in the project", key)
		}
		cfg := s.Networks[key]
		v := "name=" + n.Name
		for _, a := range append([]string{s.Name}, aliases(cfg)...) {
			v += ",alias=" + a
		}
		if cfg != nil && cfg.Ipv4Address != "" {
			v += ",ip=" + cfg.Ipv4Address
		}
		if cfg != nil && cfg.MacAddress != "" {
			v += ",mac-address=" + cfg.MacAddress
		}
		if cfg != nil && cfg.GatewayPriority != 0 {
			v += ",gw-priority=" + strconv.Itoa(cfg.GatewayPriority)
		}
		nets = append(nets, v)
	}
	f["network"] = nets
	return nil
}

func aliases(cfg *types.ServiceNetworkConfig) []string {
	if cfg == nil {
		return nil
	}
	return cfg.Aliases
}

// volumeFlags sets -v (binds that may be created, as docker compose's
// short syntax), --mount (the rest, with their options), --volumes-from,
// and the bind mounts of secrets and configs.
func (p *Project) volumeFlags(s *types.ServiceConfig, f container.FlagMap, resolve refs) error {
	var vols, mnts []string
	for _, v := range s.Volumes {
		switch v.Type {
		case types.VolumeTypeBind:
			if v.Bind != nil && !bool(v.Bind.CreateHostPath) {
				m := "type=bind,source=" + v.Source + ",target=" + v.Target
				if v.Bind.Propagation != "" {
					m += ",bind-propagation=" + v.Bind.Propagation
				}
				mnts = append(mnts, withRO(m, v.ReadOnly))
				continue
			}
			opts := []string{}
			if v.ReadOnly {
				opts = append(opts, "ro")
			}
			if v.Bind != nil && v.Bind.Propagation != "" {
				opts = append(opts, v.Bind.Propagation)
			}
			spec := v.Source + ":" + v.Target
			if len(opts) > 0 {
				spec += ":" + strings.Join(opts, ",")
			}
			vols = append(vols, spec)
		case types.VolumeTypeVolume:
			m := "type=volume,target=" + v.Target
			if v.Source != "" {
				vc, ok := p.Volumes[v.Source]
				if !ok {
					return serviceErr(s, "volume %s is not declared in the project's volumes", v.Source)
				}
				m += ",source=" + vc.Name
			}
			if v.Volume != nil && v.Volume.NoCopy {
				m += ",volume-nocopy"
			}
			if v.Volume != nil && v.Volume.Subpath != "" {
				return serviceErr(s, "volume.subpath is not supported by skiff; mount the whole volume")
			}
			mnts = append(mnts, withRO(m, v.ReadOnly))
		case types.VolumeTypeTmpfs:
			m := "type=tmpfs,target=" + v.Target
			if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
				m += ",tmpfs-size=" + strconv.FormatInt(int64(v.Tmpfs.Size), 10)
			}
			if v.Tmpfs != nil && v.Tmpfs.Mode != 0 {
				m += ",tmpfs-mode=" + strconv.FormatUint(uint64(v.Tmpfs.Mode), 8)
			}
			mnts = append(mnts, withRO(m, v.ReadOnly))
		default:
			return serviceErr(s, "volumes of type %s are not supported by skiff", v.Type)
		}
	}
	files, err := p.fileMounts(s)
	if err != nil {
		return err
	}
	from, err := volumesFrom(s.VolumesFrom, resolve)
	if err != nil {
		return serviceErr(s, "volumes_from: %v", err)
	}
	f["volume"], f["mount"], f["volumes-from"] = vols, append(mnts, files...), from
	return nil
}

func withRO(m string, ro bool) string {
	if ro {
		return m + ",readonly"
	}
	return m
}

// volumesFrom resolves "SERVICE[:ro]" and "container:NAME[:ro]".
func volumesFrom(vs []string, resolve refs) ([]string, error) {
	var out []string
	for _, v := range vs {
		if name, ok := strings.CutPrefix(v, "container:"); ok {
			out = append(out, name)
			continue
		}
		svc, mode, _ := strings.Cut(v, ":")
		id, err := resolve(svc)
		if err != nil {
			return nil, err
		}
		if mode != "" {
			id += ":" + mode
		}
		out = append(out, id)
	}
	return out, nil
}

// fileMounts are the service's secrets (at /run/secrets/NAME unless a
// target says otherwise) and configs (at /NAME), bind-mounted read-only
// from their file, or from a file skiff writes for environment- or
// content-based ones (secretFile).
func (p *Project) fileMounts(s *types.ServiceConfig) ([]string, error) {
	var out []string
	add := func(kind, source, target string, obj types.FileObjectConfig, defaultDir string) error {
		if obj.External {
			return serviceErr(s, "external %ss are a swarm feature: skiff has none", kind)
		}
		if target == "" {
			target = filepath.Join(defaultDir, source)
		} else if !filepath.IsAbs(target) {
			target = filepath.Join(defaultDir, target)
		}
		src := obj.File
		if src == "" {
			var err error
			if src, err = p.writeFileObject(kind, source, obj); err != nil {
				return serviceErr(s, "%v", err)
			}
		}
		out = append(out, "type=bind,source="+src+",target="+target+",readonly")
		return nil
	}
	for _, ref := range s.Secrets {
		obj, ok := p.Secrets[ref.Source]
		if !ok {
			return nil, serviceErr(s, "secret %s is not declared in the project's secrets", ref.Source)
		}
		if err := add("secret", ref.Source, ref.Target, types.FileObjectConfig(obj), "/run/secrets"); err != nil {
			return nil, err
		}
	}
	for _, ref := range s.Configs {
		obj, ok := p.Configs[ref.Source]
		if !ok {
			return nil, serviceErr(s, "config %s is not declared in the project's configs", ref.Source)
		}
		if err := add("config", ref.Source, ref.Target, types.FileObjectConfig(obj), "/"); err != nil {
			return nil, err
		}
	}
	return out, nil
}
