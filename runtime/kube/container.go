package kube

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// podBuilder assembles one pod's spec from skiff's containers: the
// mapping rules of kube generate (docs/man/skiff-kube.1.md).
type podBuilder struct {
	// imageConfig is the configuration of an image by ID (its defaults
	// are left out of the YAML).
	imageConfig func(id string) (*spec.ImageConfig, error)
	warn        io.Writer
	spec        PodSpec
	// labels and annotations are the containers' labels: valid label
	// pairs become labels, other valid keys annotations.
	labels, annotations map[string]string
	// volumes are the named volumes the containers mount, each once.
	volumes []string
}

func newPodBuilder(ctx context.Context, e *engine.Engine, warn io.Writer) *podBuilder {
	if warn == nil {
		warn = io.Discard
	}
	lookup := func(id string) (*spec.ImageConfig, error) {
		img, err := image.Lookup(ctx, e, id)
		if err != nil {
			return nil, err
		}
		return &img.Config.Config, nil
	}
	return &podBuilder{imageConfig: lookup, warn: warn, labels: map[string]string{}, annotations: map[string]string{}}
}

func (b *podBuilder) warnf(format string, args ...any) {
	fmt.Fprintf(b.warn, "WARNING: "+format+"\n", args...)
}

// add maps one container; ports are the published ports it carries (a
// pod's, from its infra, go to its first container).
func (b *podBuilder) add(c *container.Container, ports map[string][]container.PortBinding) error {
	ic, err := b.imageConfig(c.ImageID)
	if err != nil {
		b.warnf("the image of container %s is gone: its defaults cannot be told from its settings", c.Name)
		ic = &spec.ImageConfig{}
	}
	k := Container{
		Name: toLabel(c.Name), Image: c.Config.Image,
		Stdin: c.Config.OpenStdin, TTY: c.Config.Tty,
	}
	k.Command, k.Args = command(c, ic)
	if wd := c.Config.WorkingDir; wd != "" && wd != ic.WorkingDir && !(wd == "/" && ic.WorkingDir == "") {
		k.WorkingDir = wd
	}
	k.Env = environment(c, ic)
	k.Ports = containerPorts(ports)
	if err := b.mounts(c, &k); err != nil {
		return err
	}
	k.LivenessProbe = probe(c.Config.Healthcheck)
	k.SecurityContext = b.securityContext(c)
	var dropped []string
	k.Resources, dropped = resourceRequirements(&c.HostConfig.Resources)
	if len(dropped) > 0 {
		b.warnf("container %s: %s: Kubernetes has no such container limit; left out", c.Name, strings.Join(dropped, ", "))
	}
	b.spec.Containers = append(b.spec.Containers, k)
	b.addLabels(c.Config.Labels, ic.Labels)
	b.hostSettings(c)
	return nil
}

// command is the container's entrypoint and command where they differ
// from the image's: command replaces the image's entrypoint (and then
// its CMD is not used), args its CMD.
func command(c *container.Container, ic *spec.ImageConfig) (cmd, args []string) {
	ep, cm := c.Config.Entrypoint, c.Config.Cmd
	switch {
	case !slices.Equal(ep, ic.Entrypoint) && len(ep) == 0:
		return cm, nil // --entrypoint "": the command is the whole line
	case !slices.Equal(ep, ic.Entrypoint):
		return ep, cm
	case !slices.Equal(cm, ic.Cmd):
		return nil, cm
	}
	return nil, nil
}

// environment is the container's environment without the image's
// defaults and what skiff adds itself (HOSTNAME, TERM for a tty, docker's
// PATH).
func environment(c *container.Container, ic *spec.ImageConfig) []EnvVar {
	var out []EnvVar
	for _, kv := range c.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case slices.Contains(ic.Env, kv),
			k == "HOSTNAME" && (v == c.Config.Hostname || strings.HasPrefix(c.ID, v) && len(v) == 12), // in a pod: the container's short ID
			k == "TERM" && v == "xterm" && c.Config.Tty,
			k == "PATH" && v == spec.DefaultPath && !hasKey(ic.Env, "PATH"):
			continue
		}
		out = append(out, EnvVar{Name: k, Value: v})
	}
	return out
}

func hasKey(env []string, key string) bool {
	return slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
}

// containerPorts are published ports: containerPort, hostPort (a fixed
// one), hostIP (a specific one).
func containerPorts(bindings map[string][]container.PortBinding) []ContainerPort {
	keys := slices.Sorted(maps.Keys(bindings))
	var out []ContainerPort
	for _, key := range keys {
		port, proto, err := netns.ParsePortKey(key)
		if err != nil {
			continue
		}
		for _, hb := range bindings[key] {
			cp := ContainerPort{ContainerPort: int32(port), Protocol: strings.ToUpper(proto)}
			if hp, err := strconv.Atoi(hb.HostPort); err == nil && hp > 0 {
				cp.HostPort = int32(hp)
			}
			if hb.HostIP != "" && hb.HostIP != "0.0.0.0" && hb.HostIP != "::" {
				cp.HostIP = hb.HostIP
			}
			out = append(out, cp)
		}
	}
	return out
}

// mounts maps the container's mounts to volume mounts and pod volumes:
// a named volume is a persistentVolumeClaim of its name, an anonymous one
// an emptyDir, a bind mount a hostPath of the source's type, a tmpfs an
// emptyDir in memory.
func (b *podBuilder) mounts(c *container.Container, k *Container) error {
	for _, m := range c.Mounts {
		var v Volume
		switch m.Type {
		case mounts.TypeVolume:
			if isAnonymous(m.Name) {
				v = Volume{Name: "anon-" + m.Name[:12], EmptyDir: &EmptyDirVolumeSource{}}
				break
			}
			v = Volume{Name: toLabel(m.Name), PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{ClaimName: toLabel(m.Name)}}
			if !slices.Contains(b.volumes, m.Name) {
				b.volumes = append(b.volumes, m.Name)
			}
		case mounts.TypeBind:
			v = Volume{Name: hostPathName(m.Source), HostPath: &HostPathVolumeSource{Path: m.Source, Type: hostPathType(m.Source)}}
		case mounts.TypeTmpfs:
			v = Volume{Name: toLabel(strings.Trim(m.Destination, "/")) + "-tmpfs", EmptyDir: &EmptyDirVolumeSource{Medium: "Memory"}}
		default:
			b.warnf("mount %s of container %s (%s) has no Kubernetes volume: left out", m.Destination, c.Name, m.Type)
			continue
		}
		b.addVolume(v)
		k.VolumeMounts = append(k.VolumeMounts, VolumeMount{Name: v.Name, MountPath: m.Destination, ReadOnly: !m.RW})
	}
	for _, target := range slices.Sorted(maps.Keys(c.HostConfig.Tmpfs)) {
		v := Volume{Name: toLabel(strings.Trim(target, "/")) + "-tmpfs", EmptyDir: &EmptyDirVolumeSource{Medium: "Memory"}}
		if size := tmpfsSize(c.HostConfig.Tmpfs[target]); size != "" {
			q := Quantity(size)
			v.EmptyDir.SizeLimit = &q
		}
		b.addVolume(v)
		k.VolumeMounts = append(k.VolumeMounts, VolumeMount{Name: v.Name, MountPath: target})
	}
	return nil
}

// isAnonymous reports whether a volume name is one docker generated.
func isAnonymous(name string) bool {
	if len(name) != 64 {
		return false
	}
	for _, r := range name {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// resourceRequirements are a container's limits as Kubernetes
// resources, the reverse of kube play's mapping (the kubelet's): --memory
// is limits.memory, --cpus (or --cpu-quota over --cpu-period)
// limits.cpu, --memory-reservation requests.memory and --cpu-shares
// requests.cpu (1024 a CPU). dropped names the limits Kubernetes has no
// field for.
func resourceRequirements(r *spec.Resources) (rr *ResourceRequirements, dropped []string) {
	out := &ResourceRequirements{}
	set := func(m *map[string]Quantity, key, q string) {
		if *m == nil {
			*m = map[string]Quantity{}
		}
		(*m)[key] = Quantity(q)
	}
	if r.Memory > 0 {
		set(&out.Limits, "memory", bytesQuantity(r.Memory))
	}
	switch {
	case r.NanoCPUs > 0:
		set(&out.Limits, "cpu", milliQuantity((r.NanoCPUs+999_999)/1_000_000))
	case r.CPUQuota > 0:
		period := r.CPUPeriod
		if period == 0 {
			period = 100_000 // the kernel's default, in µs
		}
		set(&out.Limits, "cpu", milliQuantity((r.CPUQuota*1000+period-1)/period))
	}
	if r.MemoryReservation > 0 {
		set(&out.Requests, "memory", bytesQuantity(r.MemoryReservation))
	}
	if r.CPUShares > 0 {
		set(&out.Requests, "cpu", milliQuantity(max(r.CPUShares*1000/1024, 1)))
	}
	for _, x := range []struct {
		set  bool
		name string
	}{
		{r.MemorySwap != 0 && r.MemorySwap != 2*r.Memory, "memory-swap"}, // twice the memory: docker's default {r.MemorySwappiness != nil, "memory-swappiness"},
		{r.PidsLimit != nil, "pids-limit"}, {r.CpusetCpus != "" || r.CpusetMems != "", "cpuset"},
		{r.OomKillDisable != nil && *r.OomKillDisable, "oom-kill-disable"},
		{r.BlkioWeight != 0 || len(r.BlkioWeightDevice)+len(r.BlkioDeviceReadBps)+len(r.BlkioDeviceWriteBps)+len(r.BlkioDeviceReadIOps)+len(r.BlkioDeviceWriteIOps) > 0, "blkio"},
	} {
		if x.set {
			dropped = append(dropped, x.name)
		}
	}
	if out.Limits == nil && out.Requests == nil {
		return nil, dropped
	}
	return out, dropped
}

// milliQuantity writes thousandths of a CPU: whole CPUs as such, else
// with the m suffix.
func milliQuantity(m int64) string {
	if m%1000 == 0 {
		return strconv.FormatInt(m/1000, 10)
	}
	return strconv.FormatInt(m, 10) + "m"
}

// tmpfsSize is --tmpfs's size= option as a Kubernetes quantity (docker's
// "1m" is a mebibyte; Kubernetes' a thousandth).
func tmpfsSize(opts string) string {
	for _, o := range strings.Split(opts, ",") {
		if v, ok := strings.CutPrefix(o, "size="); ok {
			if n, err := units.RAMInBytes(v); err == nil && n > 0 {
				return bytesQuantity(n)
			}
		}
	}
	return ""
}

// bytesQuantity writes a byte count in the largest binary unit that
// divides it.
func bytesQuantity(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// addVolume adds a pod volume once (containers may share one).
func (b *podBuilder) addVolume(v Volume) {
	if !slices.ContainsFunc(b.spec.Volumes, func(x Volume) bool { return x.Name == v.Name }) {
		b.spec.Volumes = append(b.spec.Volumes, v)
	}
}

// hostPathType is the hostPath type the source is now.
func hostPathType(p string) *string {
	st, err := os.Stat(p)
	t := ""
	switch {
	case err != nil:
		t = "DirectoryOrCreate"
	case st.IsDir():
		t = "Directory"
	case st.Mode().IsRegular():
		t = "File"
	case st.Mode()&os.ModeSocket != 0:
		t = "Socket"
	case st.Mode()&os.ModeCharDevice != 0:
		t = "CharDevice"
	case st.Mode()&os.ModeDevice != 0:
		t = "BlockDevice"
	default:
		return nil
	}
	return &t
}

// probe is a health check as an exec probe.
func probe(h *container.HealthConfig) *Probe {
	if h == nil || len(h.Test) == 0 || h.Test[0] == "NONE" {
		return nil
	}
	p := &Probe{}
	switch h.Test[0] {
	case "CMD-SHELL":
		p.Exec = &ExecAction{Command: append([]string{"/bin/sh", "-c"}, h.Test[1:]...)}
	case "CMD":
		p.Exec = &ExecAction{Command: h.Test[1:]}
	default:
		p.Exec = &ExecAction{Command: h.Test}
	}
	p.PeriodSeconds = seconds(h.Interval)
	p.TimeoutSeconds = seconds(h.Timeout)
	p.InitialDelaySeconds = seconds(h.StartPeriod)
	if h.Retries > 0 {
		p.FailureThreshold = int32(h.Retries)
	}
	return p
}

// seconds rounds a duration up to whole seconds (0: unset).
func seconds(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	return int32(math.Ceil(d.Seconds()))
}

// securityContext is --privileged, --read-only, --cap-add/--cap-drop,
// no-new-privileges and a numeric --user.
func (b *podBuilder) securityContext(c *container.Container) *SecurityContext {
	sc := &SecurityContext{}
	set := false
	if c.HostConfig.Privileged {
		sc.Privileged, set = ptr(true), true
	}
	if c.HostConfig.ReadonlyRootfs {
		sc.ReadOnlyRootFilesystem, set = ptr(true), true
	}
	if len(c.HostConfig.CapAdd)+len(c.HostConfig.CapDrop) > 0 {
		sc.Capabilities, set = &Capabilities{Add: capNames(c.HostConfig.CapAdd), Drop: capNames(c.HostConfig.CapDrop)}, true
	}
	if noNewPrivileges(c.HostConfig.SecurityOpt) {
		if c.HostConfig.Privileged {
			b.warnf(noNewPrivilegesDropped, "container", c.Name)
		} else {
			sc.AllowPrivilegeEscalation, set = ptr(false), true
		}
	}
	if u := c.Config.User; u != "" {
		user, group, _ := strings.Cut(u, ":")
		uid, err := strconv.ParseInt(user, 10, 64)
		if err != nil {
			b.warnf("container %s runs as user %q: Kubernetes takes numeric ids only (runAsUser); left out", c.Name, u)
		} else {
			sc.RunAsUser, set = &uid, true
			if gid, err := strconv.ParseInt(group, 10, 64); err == nil {
				sc.RunAsGroup = &gid
			}
		}
	}
	if !set {
		return nil
	}
	return sc
}

// noNewPrivilegesDropped is the warning for a privileged container with
// no-new-privileges: Kubernetes refuses allowPrivilegeEscalation: false
// beside privileged: true, so the privileged container keeps its
// privileges and loses the restriction.
const noNewPrivilegesDropped = "%s %s: Kubernetes refuses allowPrivilegeEscalation: false with privileged: true; its no-new-privileges is left out"

// noNewPrivileges reports whether the security options ask for
// no-new-privileges (docker's forms: bare, :true, =true).
func noNewPrivileges(opts []string) bool {
	return slices.ContainsFunc(opts, func(o string) bool {
		return o == "no-new-privileges" || o == "no-new-privileges:true" || o == "no-new-privileges=true"
	})
}

// capNames are capabilities as Kubernetes writes them: upper case,
// without CAP_.
func capNames(caps []string) []string {
	var out []string
	for _, c := range caps {
		out = append(out, strings.TrimPrefix(strings.ToUpper(c), "CAP_"))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// addLabels adds the container's own labels (not its image's) to the
// pod's metadata: valid label pairs as labels, other valid keys as
// annotations.
func (b *podBuilder) addLabels(labels, imageLabels map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		v := labels[k]
		if iv, ok := imageLabels[k]; ok && iv == v {
			continue
		}
		switch {
		case isQualifiedName(k) && isLabelValue(v):
			b.labels[k] = v
		case isQualifiedName(k):
			b.annotations[k] = v
		default:
			b.warnf("label %q is no Kubernetes label or annotation key: left out", k)
		}
	}
}

// hostSettings are the pod-level settings a container carries: restart
// policy, host network, host name, /etc/hosts entries, DNS.
func (b *podBuilder) hostSettings(c *container.Container) {
	hc := c.HostConfig
	if b.spec.RestartPolicy == "" {
		b.spec.RestartPolicy = restartPolicy(hc.RestartPolicy.Name)
	}
	if hc.NetworkMode == "host" {
		b.spec.HostNetwork = true
	}
	if h := c.Config.Hostname; h != "" && h != c.ShortID() && !strings.HasPrefix(hc.UTSMode, "container:") && hc.NetworkMode != "host" && b.spec.Hostname == "" {
		b.spec.Hostname = toLabel(h)
	}
	for _, eh := range hc.ExtraHosts {
		host, ip, ok := strings.Cut(eh, ":")
		if !ok || ip == "host-gateway" {
			continue
		}
		b.spec.HostAliases = append(b.spec.HostAliases, HostAlias{IP: ip, Hostnames: []string{host}})
	}
	if len(hc.DNS)+len(hc.DNSSearch)+len(hc.DNSOptions) > 0 && b.spec.DNSConfig == nil {
		d := &PodDNSConfig{Nameservers: hc.DNS, Searches: hc.DNSSearch}
		for _, o := range hc.DNSOptions {
			name, val, ok := strings.Cut(o, ":")
			opt := PodDNSConfigOption{Name: name}
			if ok {
				opt.Value = &val
			}
			d.Options = append(d.Options, opt)
		}
		b.spec.DNSConfig = d
	}
}

// restartPolicy is docker's --restart as a pod's restartPolicy.
func restartPolicy(name string) string {
	switch name {
	case "always", "unless-stopped":
		return "Always"
	case "on-failure":
		return "OnFailure"
	}
	return "Never"
}
