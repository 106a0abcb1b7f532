package kube

import (
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// GenerateCompose writes a compose project as Kubernetes YAML: a
// Deployment per service with its replicas, a Service per service named
// as the service (its name resolves, as in compose) with its published
// and exposed ports: LoadBalancer when a port is published on every
// address, ClusterIP when on loopback only, headless (clusterIP: None)
// when nothing is published, a PersistentVolumeClaim per named volume, a
// ConfigMap per config and a Secret per secret (mounted where compose
// mounts them), healthchecks as liveness and readiness probes,
// resources from deploy.resources, and depends_on as comments:
// Kubernetes has no start order.
func GenerateCompose(p *compose.Project, o GenerateOptions, w io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	g := &composeGen{p: p, o: o, warn: o.Warn}
	if g.warn == nil {
		g.warn = io.Discard
	}
	var docs []any
	var comments [][]string
	add := func(d any, c ...string) { docs, comments = append(docs, d), append(comments, c) }
	for _, key := range slices.Sorted(maps.Keys(p.Volumes)) {
		v := p.Volumes[key]
		if v.External {
			g.warnf("volume %s is external: no claim is written for it", key)
		}
		name := v.Name
		if name == "" {
			name = p.Name + "_" + key // compose's name for it
		}
		add(claim(key, name, v.Labels))
	}
	for _, key := range slices.Sorted(maps.Keys(p.Configs)) {
		data, err := g.fileData("config", key, types.FileObjectConfig(p.Configs[key]))
		if err != nil {
			return err
		}
		add(&ConfigMap{TypeMeta: TypeMeta{"v1", "ConfigMap"}, Metadata: ObjectMeta{Name: toLabel(key)}, Data: map[string]string{dataKey(key): string(data)}})
	}
	for _, key := range slices.Sorted(maps.Keys(p.Secrets)) {
		data, err := g.fileData("secret", key, types.FileObjectConfig(p.Secrets[key]))
		if err != nil {
			return err
		}
		add(&Secret{TypeMeta: TypeMeta{"v1", "Secret"}, Metadata: ObjectMeta{Name: toLabel(key)}, Type: "Opaque",
			Data: map[string]string{dataKey(key): base64.StdEncoding.EncodeToString(data)}})
	}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		dep, svc, notes, err := g.service(&s)
		if err != nil {
			return err
		}
		add(dep, notes...)
		if svc != nil {
			add(svc)
		}
	}
	return Write(w, docs, comments)
}

type composeGen struct {
	p    *compose.Project
	o    GenerateOptions
	warn io.Writer
}

func (g *composeGen) warnf(format string, args ...any) {
	fmt.Fprintf(g.warn, "WARNING: "+format+"\n", args...)
}

// dataKey is a config's or secret's key in its ConfigMap or Secret.
func dataKey(name string) string {
	if isConfigKey(name) {
		return name
	}
	return toLabel(name)
}

// fileData is a config's or secret's content: its file, its content: or
// its environment variable.
func (g *composeGen) fileData(kind, name string, obj types.FileObjectConfig) ([]byte, error) {
	switch {
	case bool(obj.External):
		return nil, errdefs.Invalid("%s %s is external (a swarm object): Kubernetes YAML cannot carry it", kind, name)
	case obj.File != "":
		b, err := os.ReadFile(obj.File)
		if err != nil {
			return nil, errdefs.Invalid("reading %s %s: %v", kind, name, err)
		}
		return b, nil
	case obj.Environment != "":
		v, ok := g.p.Environment[obj.Environment]
		if !ok {
			return nil, errdefs.Invalid("environment variable %q of %s %s is not set", obj.Environment, kind, name)
		}
		return []byte(v), nil
	}
	return []byte(obj.Content), nil
}

// service maps one compose service.
func (g *composeGen) service(s *types.ServiceConfig) (*Deployment, *Service, []string, error) {
	name := toLabel(s.Name)
	img := s.Image
	var notes []string
	if img == "" {
		img = g.p.Name + "-" + s.Name
		notes = append(notes, fmt.Sprintf("service %s is built (build:): push %s where the cluster pulls from", s.Name, img))
	}
	for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
		notes = append(notes, fmt.Sprintf("depends_on: %s (%s): Kubernetes starts pods in no order; make %s wait for %s itself", dep, s.DependsOn[dep].Condition, s.Name, dep))
	}
	if (s.Restart == "no" || s.Restart == "") && (s.Deploy == nil || s.Deploy.RestartPolicy == nil) {
		notes = append(notes, fmt.Sprintf("service %s does not restart (restart: no): a Deployment always restarts its pods", s.Name))
	}
	c := Container{Name: name, Image: img, Command: s.Entrypoint, Args: s.Command, WorkingDir: s.WorkingDir,
		Stdin: s.StdinOpen, TTY: s.Tty}
	for _, k := range slices.Sorted(maps.Keys(s.Environment)) {
		if v := s.Environment[k]; v != nil {
			c.Env = append(c.Env, EnvVar{Name: k, Value: *v})
		}
	}
	spec := PodSpec{RestartPolicy: "Always", Hostname: labelOrEmpty(s.Hostname)}
	svc := g.ports(s, name, &c)
	if err := g.volumes(s, &c, &spec); err != nil {
		return nil, nil, nil, err
	}
	c.LivenessProbe = composeProbe(s.HealthCheck)
	if c.LivenessProbe != nil {
		rp := *c.LivenessProbe
		c.ReadinessProbe = &rp
	}
	c.Resources = resources(s)
	c.SecurityContext = composeSecurity(s, g)
	for _, host := range slices.Sorted(maps.Keys(s.ExtraHosts)) {
		for _, ip := range s.ExtraHosts[host] {
			if ip != "host-gateway" {
				spec.HostAliases = append(spec.HostAliases, HostAlias{IP: ip, Hostnames: []string{host}})
			}
		}
	}
	spec.Containers = []Container{c}
	labels := map[string]string{"app": name}
	annotations := map[string]string{}
	for k, v := range s.Labels {
		switch {
		case isQualifiedName(k) && isLabelValue(v):
			labels[k] = v
		case isQualifiedName(k):
			annotations[k] = v
		}
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	replicas := int32(s.GetScale())
	dep := &Deployment{TypeMeta: TypeMeta{"apps/v1", "Deployment"}, Metadata: ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: DeploymentSpec{Replicas: &replicas, Selector: &LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: PodTemplateSpec{Metadata: ObjectMeta{Labels: labels, Annotations: annotations}, Spec: spec}}}
	return dep, svc, notes, nil
}

func labelOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return toLabel(s)
}

// ports are the service's container ports, and its Service: published
// ports on the port they are published on, exposed ones on their own.
func (g *composeGen) ports(s *types.ServiceConfig, name string, c *Container) *Service {
	svc := &Service{TypeMeta: TypeMeta{"v1", "Service"}, Metadata: ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: ServiceSpec{Selector: map[string]string{"app": name}}}
	seen := map[string]bool{}
	published, everywhere := false, false
	addPort := func(target, published uint32, proto string) {
		proto = strings.ToUpper(proto)
		if proto == "" {
			proto = "TCP"
		}
		if !slices.ContainsFunc(c.Ports, func(p ContainerPort) bool { return p.ContainerPort == int32(target) && p.Protocol == proto }) {
			c.Ports = append(c.Ports, ContainerPort{ContainerPort: int32(target), Protocol: proto})
		}
		key := fmt.Sprintf("%d/%s", published, proto)
		if seen[key] {
			return
		}
		seen[key] = true
		svc.Spec.Ports = append(svc.Spec.Ports, ServicePort{Name: fmt.Sprintf("%d-%s", published, strings.ToLower(proto)),
			Protocol: proto, Port: int32(published), TargetPort: IntOrString{Int: int32(target)}})
	}
	for _, p := range s.Ports {
		pub := p.Target
		if n, err := strconv.ParseUint(strings.Split(p.Published, "-")[0], 10, 16); err == nil && n > 0 {
			pub = uint32(n)
		}
		addPort(p.Target, pub, p.Protocol)
		published = true
		if ip := p.HostIP; ip == "" || ip == "0.0.0.0" || ip == "::" {
			everywhere = true
		}
	}
	for _, e := range s.Expose {
		port, proto, _ := strings.Cut(e, "/")
		if n, err := strconv.ParseUint(port, 10, 16); err == nil {
			addPort(uint32(n), uint32(n), proto)
		}
	}
	switch {
	case !published:
		svc.Spec.ClusterIP = "None" // the name resolves, nothing is published
	case g.o.Service:
		svc.Spec.Type = "NodePort"
		for i := range svc.Spec.Ports {
			if p := svc.Spec.Ports[i].Port; p >= 30000 && p <= 32767 {
				svc.Spec.Ports[i].NodePort = p
			}
		}
	case everywhere:
		svc.Spec.Type = "LoadBalancer" // reachable from outside, as a port published on every address
	}
	return svc
}

// volumes maps the service's volumes, configs and secrets.
func (g *composeGen) volumes(s *types.ServiceConfig, c *Container, spec *PodSpec) error {
	addVol := func(v Volume) {
		if !slices.ContainsFunc(spec.Volumes, func(x Volume) bool { return x.Name == v.Name }) {
			spec.Volumes = append(spec.Volumes, v)
		}
	}
	for i, v := range s.Volumes {
		var vol Volume
		switch v.Type {
		case types.VolumeTypeVolume:
			if v.Source == "" {
				vol = Volume{Name: fmt.Sprintf("anon-%d", i), EmptyDir: &EmptyDirVolumeSource{}}
				break
			}
			vol = Volume{Name: toLabel(v.Source), PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{ClaimName: toLabel(v.Source)}}
		case types.VolumeTypeBind:
			t := hostPathType(v.Source)
			if v.Bind != nil && bool(v.Bind.CreateHostPath) {
				if _, err := os.Stat(v.Source); err != nil {
					t = ptr("DirectoryOrCreate")
				}
			}
			vol = Volume{Name: hostPathName(v.Source), HostPath: &HostPathVolumeSource{Path: v.Source, Type: t}}
		case types.VolumeTypeTmpfs:
			vol = Volume{Name: toLabel(strings.Trim(v.Target, "/")) + "-tmpfs", EmptyDir: &EmptyDirVolumeSource{Medium: "Memory"}}
			if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
				q := Quantity(bytesQuantity(int64(v.Tmpfs.Size)))
				vol.EmptyDir.SizeLimit = &q
			}
		default:
			return errdefs.Invalid("service %q: volumes of type %s have no Kubernetes volume", s.Name, v.Type)
		}
		addVol(vol)
		c.VolumeMounts = append(c.VolumeMounts, VolumeMount{Name: vol.Name, MountPath: v.Target, ReadOnly: v.ReadOnly})
	}
	for _, t := range s.Tmpfs {
		target, _, _ := strings.Cut(t, ":")
		vol := Volume{Name: toLabel(strings.Trim(target, "/")) + "-tmpfs", EmptyDir: &EmptyDirVolumeSource{Medium: "Memory"}}
		addVol(vol)
		c.VolumeMounts = append(c.VolumeMounts, VolumeMount{Name: vol.Name, MountPath: target})
	}
	for _, ref := range s.Configs {
		target := ref.Target
		if target == "" {
			target = "/" + ref.Source
		} else if !path.IsAbs(target) {
			target = "/" + target
		}
		vol := Volume{Name: "config-" + toLabel(ref.Source), ConfigMap: &ConfigMapVolumeSource{Name: toLabel(ref.Source)}}
		addVol(vol)
		c.VolumeMounts = append(c.VolumeMounts, VolumeMount{Name: vol.Name, MountPath: target, SubPath: dataKey(ref.Source), ReadOnly: true})
	}
	for _, ref := range s.Secrets {
		target := ref.Target
		if target == "" {
			target = "/run/secrets/" + ref.Source
		} else if !path.IsAbs(target) {
			target = "/run/secrets/" + target
		}
		vol := Volume{Name: "secret-" + toLabel(ref.Source), Secret: &SecretVolumeSource{SecretName: toLabel(ref.Source)}}
		addVol(vol)
		c.VolumeMounts = append(c.VolumeMounts, VolumeMount{Name: vol.Name, MountPath: target, SubPath: dataKey(ref.Source), ReadOnly: true})
	}
	return nil
}

// composeProbe is a compose healthcheck as a probe.
func composeProbe(hc *types.HealthCheckConfig) *Probe {
	if hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		return nil
	}
	h := struct{ interval, timeout, start time.Duration }{}
	for _, d := range []struct {
		v   *types.Duration
		dst *time.Duration
	}{{hc.Interval, &h.interval}, {hc.Timeout, &h.timeout}, {hc.StartPeriod, &h.start}} {
		if d.v != nil {
			*d.dst = time.Duration(*d.v)
		}
	}
	p := probe(&container.HealthConfig{Test: hc.Test, Interval: h.interval, Timeout: h.timeout, StartPeriod: h.start})
	if p != nil && hc.Retries != nil {
		p.FailureThreshold = int32(*hc.Retries)
	}
	return p
}

// resources are mem_limit, cpus, mem_reservation and cpu_shares, with
// deploy.resources' limits and memory reservation over them (what
// compose up gives run's flags), as Kubernetes resources.
func resources(s *types.ServiceConfig) *ResourceRequirements {
	r := spec.Resources{Memory: int64(s.MemLimit), NanoCPUs: int64(float64(s.CPUS) * 1e9),
		MemoryReservation: int64(s.MemReservation), CPUShares: s.CPUShares, CPUQuota: s.CPUQuota, CPUPeriod: s.CPUPeriod}
	if s.Deploy != nil {
		if l := s.Deploy.Resources.Limits; l != nil {
			if l.MemoryBytes > 0 {
				r.Memory = int64(l.MemoryBytes)
			}
			if l.NanoCPUs > 0 {
				r.NanoCPUs = int64(float64(l.NanoCPUs) * 1e9)
			}
		}
		if v := s.Deploy.Resources.Reservations; v != nil && v.MemoryBytes > 0 {
			r.MemoryReservation = int64(v.MemoryBytes)
		}
	}
	rr, _ := resourceRequirements(&r)
	return rr
}

// composeSecurity is privileged, read_only, cap_add/cap_drop,
// no-new-privileges and a numeric user.
func composeSecurity(s *types.ServiceConfig, g *composeGen) *SecurityContext {
	sc := &SecurityContext{}
	set := false
	if s.Privileged {
		sc.Privileged, set = ptr(true), true
	}
	if s.ReadOnly {
		sc.ReadOnlyRootFilesystem, set = ptr(true), true
	}
	if len(s.CapAdd)+len(s.CapDrop) > 0 {
		sc.Capabilities, set = &Capabilities{Add: capNames(s.CapAdd), Drop: capNames(s.CapDrop)}, true
	}
	if noNewPrivileges(s.SecurityOpt) {
		if s.Privileged {
			g.warnf(noNewPrivilegesDropped, "service", s.Name)
		} else {
			sc.AllowPrivilegeEscalation, set = ptr(false), true
		}
	}
	if s.User != "" {
		user, group, _ := strings.Cut(s.User, ":")
		if uid, err := strconv.ParseInt(user, 10, 64); err == nil {
			sc.RunAsUser, set = &uid, true
			if gid, err := strconv.ParseInt(group, 10, 64); err == nil {
				sc.RunAsGroup = &gid
			}
		} else {
			g.warnf("service %s runs as user %q: Kubernetes takes numeric ids only (runAsUser); left out", s.Name, s.User)
		}
	}
	if !set {
		return nil
	}
	return sc
}
