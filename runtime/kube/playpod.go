package kube

import (
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/pod"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// pod makes one pod: the pod (its infra holds the network, ports and
// host name), its files and volumes, its init containers (run to
// completion, in order) and its containers, each through run's own
// flag parsers (container.ParseCreateFlags) and verbs.
func (pl *player) pod(pp *podPlan) (*PlayedPod, error) {
	spec := &pp.w.spec
	po, err := pod.ParseCreateFlags(pl.podFlags(pp))
	if err != nil {
		return nil, fmt.Errorf("%s: pod %s: %w", pp.w.doc.where(), pp.name, err)
	}
	po.Labels = map[string]string{LabelWorkload: pp.w.doc.Kind + "/" + pp.w.name}
	maps.Copy(po.Labels, pp.w.meta.Labels)
	if spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace {
		po.Share = append(po.Share, "pid")
	}
	p, err := pod.Create(pl.ctx, pl.e, *po)
	if err != nil {
		return nil, fmt.Errorf("%s: pod %s: %w", pp.w.doc.where(), pp.name, err)
	}
	pl.made.pods = append(pl.made.pods, p.ID)
	mounts, err := pl.volumes(pp, p)
	if err != nil {
		return nil, err
	}
	played := &PlayedPod{ID: p.ID, Name: p.Name}
	for i := range spec.InitContainers {
		if err := pl.runInit(pp, p, &spec.InitContainers[i], mounts); err != nil {
			return nil, err
		}
	}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		o, err := pl.containerOptions(pp, p, c, mounts)
		if err != nil {
			return nil, err
		}
		ctr, err := pl.create(o)
		if err != nil {
			return nil, fmt.Errorf("%s: container %s: %w", pp.w.doc.where(), c.Name, err)
		}
		played.Containers = append(played.Containers, ctr.ID)
	}
	return played, nil
}

// create is run's create: joining the pod (pod.Member), then
// container.Create.
func (pl *player) create(o *container.CreateOptions) (*container.Container, error) {
	undo, err := pod.Member(pl.ctx, pl.e, o)
	if err != nil {
		return nil, err
	}
	c, err := container.Create(pl.ctx, pl.e, *o)
	if err != nil {
		undo()
	}
	return c, err
}

// podFlags are pod create's flags for the pod.
func (pl *player) podFlags(pp *podPlan) container.FlagMap {
	spec := &pp.w.spec
	fm := container.FlagMap{"name": pp.name}
	if spec.Hostname != "" {
		fm["hostname"] = spec.Hostname
	}
	switch {
	case spec.HostNetwork:
		fm["network"] = []string{"host"}
		if len(pp.publish) > 0 {
			fmt.Fprintf(pl.o.Warn, "WARNING: %s: pod %s uses the host's network: its ports are not published, they are the host's\n", pp.w.doc.where(), pp.name)
		}
		return fm
	case len(pl.o.Networks) > 0:
		var nets []string
		for _, n := range pl.o.Networks {
			nets = append(nets, withAliases(n, pp.aliases))
		}
		fm["network"] = nets
	default:
		fm["network"] = []string{withAliases(DefaultNetwork, pp.aliases)}
	}
	if len(pp.publish) > 0 {
		fm["publish"] = pp.publish
	}
	var hosts []string
	for _, ha := range spec.HostAliases {
		for _, h := range ha.Hostnames {
			hosts = append(hosts, h+":"+ha.IP)
		}
	}
	if len(hosts) > 0 {
		fm["add-host"] = hosts
	}
	if dc := spec.DNSConfig; dc != nil {
		fm["dns"], fm["dns-search"] = dc.Nameservers, dc.Searches
		var opts []string
		for _, o := range dc.Options {
			if o.Value != nil {
				opts = append(opts, o.Name+":"+*o.Value)
			} else {
				opts = append(opts, o.Name)
			}
		}
		fm["dns-option"] = opts
	}
	return fm
}

// withAliases is --network's long form giving the pod its names there
// (a bridge network's; special modes take none).
func withAliases(n string, aliases []string) string {
	switch n {
	case "host", "none", "bridge", "pasta", "slirp4netns":
		return n
	}
	v := "name=" + n
	for _, a := range aliases {
		v += ",alias=" + a
	}
	return v
}

// runInit runs an init container to completion: it must exit 0.
func (pl *player) runInit(pp *podPlan, p *pod.Pod, c *Container, mounts map[string]mountFunc) error {
	o, err := pl.containerOptions(pp, p, c, mounts)
	if err != nil {
		return err
	}
	o.RestartPolicy = container.RestartPolicy{Name: "no"}
	o.Health = container.HealthOptions{}
	ctr, err := pl.create(o)
	if err != nil {
		return fmt.Errorf("%s: init container %s: %w", pp.w.doc.where(), c.Name, err)
	}
	defer container.Remove(pl.e, ctr.ID, container.RemoveOptions{Force: true})
	if _, _, err := container.Start(pl.ctx, pl.e, ctr.ID, nil); err != nil {
		return fmt.Errorf("%s: init container %s: %w", pp.w.doc.where(), c.Name, err)
	}
	code, err := container.Wait(pl.ctx, pl.e, ctr.ID)
	if err != nil {
		return fmt.Errorf("%s: init container %s: %w", pp.w.doc.where(), c.Name, err)
	}
	if code != 0 {
		return errdefs.Conflict("%s: init container %s exited with code %d: the pod does not start", pp.w.doc.where(), c.Name, code)
	}
	return nil
}

// containerOptions are a container's run flags, read by run's parsers.
func (pl *player) containerOptions(pp *podPlan, p *pod.Pod, c *Container, mounts map[string]mountFunc) (*container.CreateOptions, error) {
	d := pp.w.doc
	spec := &pp.w.spec
	fm := container.FlagMap{
		"name": pp.name + "-" + c.Name, "pod": p.ID, "detach": true,
		"workdir": c.WorkingDir, "tty": c.TTY, "interactive": c.Stdin,
		"restart": map[string]string{"Always": "always", "OnFailure": "on-failure", "Never": "no", "": "always"}[spec.RestartPolicy],
		"pull":    map[string]string{"Always": image.PullAlways, "IfNotPresent": image.PullMissing, "Never": image.PullNever, "": image.PullMissing}[c.ImagePullPolicy],
		"label":   []string{"io.kubernetes.container.name=" + c.Name, "io.kubernetes.pod.name=" + pp.name},
	}
	if pl.o.LogDriver != "" {
		fm["log-driver"] = pl.o.LogDriver
	}
	if t := spec.TerminationGracePeriodSeconds; t != nil {
		fm["stop-timeout"] = int(*t)
	}
	env, err := pl.environment(d, c)
	if err != nil {
		return nil, err
	}
	fm["env"] = env
	var mnts []string
	for _, vm := range c.VolumeMounts {
		m, ok := mounts[vm.Name]
		if !ok {
			return nil, d.fieldErr("spec.volumes", "volume %s: its source is not supported by skiff", vm.Name)
		}
		v, err := m(vm)
		if err != nil {
			return nil, d.fieldErr("volumeMounts", "%s: %v", vm.Name, err)
		}
		mnts = append(mnts, v)
	}
	fm["mount"] = mnts
	if err := securityFlags(fm, c.SecurityContext, spec.SecurityContext); err != nil {
		return nil, d.fieldErr("securityContext", "%v", err)
	}
	if err := pl.resourceFlags(d, c, fm); err != nil {
		return nil, err
	}
	o, err := container.ParseCreateFlags(fm, append([]string{c.Image}, c.Args...))
	if err != nil {
		return nil, fmt.Errorf("%s: container %s: %w", d.where(), c.Name, err)
	}
	if c.Command != nil {
		o.Spec.EntrypointList = slices.Clone(c.Command)
	}
	o.PodRef = p.ID
	if o.Health, err = pl.probes(d, c); err != nil {
		return nil, err
	}
	return o, nil
}

// environment is env (values, ConfigMap and Secret keys) after envFrom.
func (pl *player) environment(d *document, c *Container) ([]string, error) {
	var out []string
	for _, ef := range c.EnvFrom {
		var data map[string]string
		var err error
		switch {
		case ef.ConfigMapRef != nil:
			data, err = pl.configMapData(ef.ConfigMapRef.Name, ef.ConfigMapRef.Optional)
		case ef.SecretRef != nil:
			data, err = pl.secretData(ef.SecretRef.Name, ef.SecretRef.Optional)
		}
		if err != nil {
			return nil, d.fieldErr("envFrom", "%v", err)
		}
		for _, k := range slices.Sorted(maps.Keys(data)) {
			out = append(out, ef.Prefix+k+"="+data[k])
		}
	}
	for _, e := range c.Env {
		v := e.Value
		if vf := e.ValueFrom; vf != nil {
			var data map[string]string
			var ref *KeySelector
			var err error
			switch {
			case vf.ConfigMapKeyRef != nil:
				ref = vf.ConfigMapKeyRef
				data, err = pl.configMapData(ref.Name, ref.Optional)
			case vf.SecretKeyRef != nil:
				ref = vf.SecretKeyRef
				data, err = pl.secretData(ref.Name, ref.Optional)
			default:
				return nil, d.fieldErr("env", "%s: only configMapKeyRef and secretKeyRef are supported by skiff", e.Name)
			}
			if err != nil {
				return nil, d.fieldErr("env", "%s: %v", e.Name, err)
			}
			val, ok := data[ref.Key]
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, d.fieldErr("env", "%s: key %s not found in %s", e.Name, ref.Key, ref.Name)
			}
			v = val
		}
		out = append(out, e.Name+"="+v)
	}
	return out, nil
}

func (pl *player) configMapData(name string, optional *bool) (map[string]string, error) {
	cm, ok := pl.objs.configMaps[name]
	if !ok {
		if optional != nil && *optional {
			return nil, nil
		}
		return nil, fmt.Errorf("ConfigMap %s not found: give it in the YAML or with --configmap", name)
	}
	out := maps.Clone(cm.Data)
	for k, v := range cm.BinaryData {
		b, _ := base64.StdEncoding.DecodeString(v)
		if out == nil {
			out = map[string]string{}
		}
		out[k] = string(b)
	}
	return out, nil
}

func (pl *player) secretData(name string, optional *bool) (map[string]string, error) {
	s, ok := pl.objs.secrets[name]
	if !ok {
		if optional != nil && *optional {
			return nil, nil
		}
		return nil, fmt.Errorf("Secret %s not found: give it in the YAML", name)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("Secret %s: key %s is not base64", name, k)
		}
		out[k] = string(b)
	}
	maps.Copy(out, s.StringData)
	return out, nil
}

// securityFlags maps a container's security context (the pod's as its
// defaults) to --privileged, --read-only, --cap-add/--cap-drop, --user,
// --security-opt no-new-privileges, --group-add and --sysctl.
func securityFlags(fm container.FlagMap, sc *SecurityContext, psc *PodSecurityContext) error {
	var uid, gid *int64
	if psc != nil {
		uid, gid = psc.RunAsUser, psc.RunAsGroup
		var groups []string
		for _, g := range psc.SupplementalGroups {
			groups = append(groups, strconv.FormatInt(g, 10))
		}
		fm["group-add"] = groups
		var sysctls []string
		for _, s := range psc.Sysctls {
			sysctls = append(sysctls, s.Name+"="+s.Value)
		}
		fm["sysctl"] = sysctls
	}
	nonRoot := psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot
	if sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
		if sc.RunAsNonRoot != nil {
			nonRoot = *sc.RunAsNonRoot
		}
		fm["privileged"] = sc.Privileged != nil && *sc.Privileged
		fm["read-only"] = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		if sc.Capabilities != nil {
			fm["cap-add"], fm["cap-drop"] = sc.Capabilities.Add, sc.Capabilities.Drop
		}
		if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
			fm["security-opt"] = []string{"no-new-privileges"}
		}
	}
	if uid != nil {
		u := strconv.FormatInt(*uid, 10)
		if gid != nil {
			u += ":" + strconv.FormatInt(*gid, 10)
		}
		fm["user"] = u
	}
	if nonRoot && (uid == nil || *uid == 0) {
		return fmt.Errorf("runAsNonRoot: give a non-zero runAsUser (skiff does not look into the image's users)")
	}
	return nil
}

// probes are the container's liveness probe (its health check, restarting
// the container when it fails: --health-on-failure=restart) or else its
// readiness probe (a health check ps shows).
func (pl *player) probes(d *document, c *Container) (container.HealthOptions, error) {
	p, onFailure := c.LivenessProbe, "restart"
	if p == nil {
		p, onFailure = c.ReadinessProbe, "none"
	} else if c.ReadinessProbe != nil && !sameProbe(c.LivenessProbe, c.ReadinessProbe) {
		fmt.Fprintf(pl.o.Warn, "WARNING: %s: container %s: one health check per container: the readiness probe is not run, the liveness probe is\n", d.where(), c.Name)
	}
	if p == nil {
		return container.HealthOptions{}, nil
	}
	h := container.HealthOptions{OnFailure: onFailure}
	switch {
	case p.Exec != nil:
		h.Test = append([]string{"CMD"}, p.Exec.Command...)
	case p.HTTPGet != nil:
		port, err := probePort(p.HTTPGet.Port, c)
		if err != nil {
			return h, d.fieldErr("httpGet.port", "%v", err)
		}
		host := p.HTTPGet.Host
		if host == "" {
			host = "127.0.0.1"
		}
		scheme := strings.ToLower(p.HTTPGet.Scheme)
		if scheme == "" {
			scheme = "http"
		}
		url := fmt.Sprintf("%s://%s:%d/%s", scheme, hostIP(host), port, strings.TrimPrefix(p.HTTPGet.Path, "/"))
		h.Test = []string{"CMD-SHELL", fmt.Sprintf("wget -q -O /dev/null %q 2>/dev/null || curl -fsSk -o /dev/null %q", url, url)}
	case p.TCPSocket != nil:
		port, err := probePort(p.TCPSocket.Port, c)
		if err != nil {
			return h, d.fieldErr("tcpSocket.port", "%v", err)
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = "127.0.0.1"
		}
		h.Test = []string{"CMD-SHELL", fmt.Sprintf("nc -z %s %d", host, port)}
	}
	// Kubernetes' defaults: every 10 s, 1 s to answer, 3 failures.
	interval, timeout, retries := 10*time.Second, time.Second, 3
	if p.PeriodSeconds > 0 {
		interval = time.Duration(p.PeriodSeconds) * time.Second
	}
	if p.TimeoutSeconds > 0 {
		timeout = time.Duration(p.TimeoutSeconds) * time.Second
	}
	if p.FailureThreshold > 0 {
		retries = int(p.FailureThreshold)
	}
	start := time.Duration(p.InitialDelaySeconds) * time.Second
	h.Interval, h.Timeout, h.Retries, h.StartPeriod = &interval, &timeout, &retries, &start
	return h, nil
}

func sameProbe(a, b *Probe) bool {
	return fmt.Sprintf("%+v%+v%+v", a.Exec, a.HTTPGet, a.TCPSocket) == fmt.Sprintf("%+v%+v%+v", b.Exec, b.HTTPGet, b.TCPSocket)
}

// probePort is a probe's port: a number, or a container port's name.
func probePort(p IntOrString, c *Container) (int32, error) {
	if p.String == "" {
		return p.Int, nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.String {
			return cp.ContainerPort, nil
		}
	}
	return 0, fmt.Errorf("no container port named %q", p.String)
}

// mountFunc turns a volume mount into a --mount value.
type mountFunc func(VolumeMount) (string, error)

// volumes prepares the pod's volumes: claims are named volumes, emptyDirs
// volumes of the pod (tmpfs ones with medium Memory), hostPaths binds
// (made or checked as their type says), ConfigMaps and Secrets files in
// the pod's directory, bound read-only.
func (pl *player) volumes(pp *podPlan, p *pod.Pod) (map[string]mountFunc, error) {
	d := pp.w.doc
	out := map[string]mountFunc{}
	for _, v := range pp.w.spec.Volumes {
		var err error
		switch {
		case v.PersistentVolumeClaim != nil:
			claim := v.PersistentVolumeClaim
			name := pl.objs.volumeName(claim.ClaimName)
			if err = pl.ensureVolume(name, nil, nil); err == nil {
				out[v.Name] = volumeMount(name, claim.ReadOnly)
			}
		case v.EmptyDir != nil:
			out[v.Name], err = pl.emptyDir(p, v)
		case v.HostPath != nil:
			out[v.Name], err = hostPath(v.HostPath)
		case v.ConfigMap != nil:
			var data map[string]string
			if data, err = pl.configMapData(v.ConfigMap.Name, v.ConfigMap.Optional); err == nil {
				out[v.Name], err = writeFiles(p, v.Name, data, v.ConfigMap.Items, v.ConfigMap.DefaultMode)
			}
		case v.Secret != nil:
			var data map[string]string
			if data, err = pl.secretData(v.Secret.SecretName, v.Secret.Optional); err == nil {
				out[v.Name], err = writeFiles(p, v.Name, data, v.Secret.Items, v.Secret.DefaultMode)
			}
		}
		if err != nil {
			return nil, d.fieldErr("volumes", "%s: %v", v.Name, err)
		}
	}
	return out, nil
}

func volumeMount(name string, ro bool) mountFunc {
	return func(vm VolumeMount) (string, error) {
		if vm.SubPath != "" {
			return "", fmt.Errorf("subPath on a volume is not supported by skiff: mount the whole volume")
		}
		return withRO("type=volume,source="+name+",target="+vm.MountPath, ro || vm.ReadOnly), nil
	}
}

func withRO(m string, ro bool) string {
	if ro {
		return m + ",readonly"
	}
	return m
}

// emptyDir is a volume of the pod, removed with it (kube down).
func (pl *player) emptyDir(p *pod.Pod, v Volume) (mountFunc, error) {
	name := "kube-" + p.ShortID() + "-" + v.Name
	var opts map[string]string
	switch v.EmptyDir.Medium {
	case "":
	case "Memory":
		opts = map[string]string{"type": "tmpfs", "device": "tmpfs"}
		if q := v.EmptyDir.SizeLimit; q != nil {
			n, err := quantityBytes(string(*q))
			if err != nil {
				return nil, err
			}
			opts["o"] = "size=" + strconv.FormatInt(n, 10)
		}
	default:
		return nil, fmt.Errorf("emptyDir medium %q is not supported by skiff: use Memory or none", v.EmptyDir.Medium)
	}
	if err := pl.ensureVolume(name, map[string]string{LabelPod: p.ID}, opts); err != nil {
		return nil, err
	}
	return volumeMount(name, false), nil
}

// hostPath checks (or makes) the path as its type says, and binds it.
func hostPath(h *HostPathVolumeSource) (mountFunc, error) {
	t := ""
	if h.Type != nil {
		t = *h.Type
	}
	st, err := os.Stat(h.Path)
	switch {
	case t == "DirectoryOrCreate" && os.IsNotExist(err):
		err = os.MkdirAll(h.Path, 0o755)
	case t == "FileOrCreate" && os.IsNotExist(err):
		var f *os.File
		if f, err = os.OpenFile(h.Path, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			f.Close()
		}
	case err != nil:
		return nil, fmt.Errorf("hostPath %s: %v", h.Path, err)
	case (t == "Directory" || t == "DirectoryOrCreate") && !st.IsDir():
		return nil, fmt.Errorf("hostPath %s is not a directory", h.Path)
	case (t == "File" || t == "FileOrCreate") && !st.Mode().IsRegular():
		return nil, fmt.Errorf("hostPath %s is not a file", h.Path)
	case t == "Socket" && st.Mode()&os.ModeSocket == 0:
		return nil, fmt.Errorf("hostPath %s is not a socket", h.Path)
	case t == "CharDevice" && st.Mode()&os.ModeCharDevice == 0:
		return nil, fmt.Errorf("hostPath %s is not a character device", h.Path)
	case t == "BlockDevice" && (st.Mode()&os.ModeDevice == 0 || st.Mode()&os.ModeCharDevice != 0):
		return nil, fmt.Errorf("hostPath %s is not a block device", h.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("hostPath %s: %v", h.Path, err)
	}
	return func(vm VolumeMount) (string, error) {
		src := h.Path
		if vm.SubPath != "" {
			src = filepath.Join(src, vm.SubPath)
		}
		return withRO("type=bind,source="+src+",target="+vm.MountPath, vm.ReadOnly), nil
	}, nil
}

// writeFiles writes a ConfigMap's or Secret's keys (all, or items) as
// files in the pod's directory, for a read-only bind.
func writeFiles(p *pod.Pod, volName string, data map[string]string, items []KeyToPath, mode *int32) (mountFunc, error) {
	dir := filepath.Join(p.Dir(), "volumes", volName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	perm := os.FileMode(0o644)
	if mode != nil {
		perm = os.FileMode(*mode) & 0o777
	}
	if len(items) == 0 {
		for _, k := range slices.Sorted(maps.Keys(data)) {
			items = append(items, KeyToPath{Key: k, Path: k})
		}
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			return nil, fmt.Errorf("key %s not found", it.Key)
		}
		if filepath.IsAbs(it.Path) || strings.HasPrefix(filepath.Clean(it.Path), "..") {
			return nil, fmt.Errorf("item path %q must be relative, without ..", it.Path)
		}
		f := filepath.Join(dir, it.Path)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return nil, err
		}
		m := perm
		if it.Mode != nil {
			m = os.FileMode(*it.Mode) & 0o777
		}
		if err := os.WriteFile(f, []byte(v), m); err != nil {
			return nil, err
		}
		_ = os.Chmod(f, m)
	}
	return func(vm VolumeMount) (string, error) {
		src := dir
		if vm.SubPath != "" {
			src = filepath.Join(dir, vm.SubPath)
			if _, err := os.Stat(src); err != nil {
				return "", fmt.Errorf("subPath %s: no such key", vm.SubPath)
			}
		}
		return "type=bind,source=" + src + ",target=" + vm.MountPath + ",readonly", nil
	}, nil
}

// resourceFlags maps resources to run's limit flags, as the kubelet
// maps them onto a container's cgroup: limits.memory is --memory,
// limits.cpu --cpus, requests.memory --memory-reservation and
// requests.cpu --cpu-shares (1024 a CPU). Resources skiff has no limit
// for (ephemeral-storage, hugepages, devices) are one warning each;
// where skiff cannot apply limits (rootless on cgroup v1), a warning
// says so and the container runs without them, as with podman, unless
// --strict.
func (pl *player) resourceFlags(d *document, c *Container, fm container.FlagMap) error {
	r := c.Resources
	if r == nil || len(r.Limits)+len(r.Requests) == 0 {
		return nil
	}
	var res spec.Resources
	var notes []string
	for _, l := range []struct {
		field string
		m     map[string]Quantity
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		for _, name := range slices.Sorted(maps.Keys(l.m)) {
			q := string(l.m[name])
			var err error
			switch {
			case name == "memory" && l.field == "limits":
				res.Memory, err = quantityBytes(q)
			case name == "memory":
				res.MemoryReservation, err = quantityBytes(q)
			case name == "cpu" && l.field == "limits":
				var m int64
				m, err = quantityMilli(q)
				res.NanoCPUs = m * 1e6
			case name == "cpu":
				var m int64
				m, err = quantityMilli(q)
				res.CPUShares = max(m*1024/1000, 2) // the kubelet's shares, at least 2
			default:
				notes = append(notes, fmt.Sprintf("%s: container %s: resources.%s.%s is not supported by skiff: ignored", d.where(), c.Name, l.field, name))
			}
			if err != nil {
				return d.fieldErr("resources."+l.field+"."+name, "%v", err)
			}
		}
	}
	if res.Any() {
		if err := container.LimitsApply(pl.e, &res); err != nil {
			notes = append(notes, fmt.Sprintf("%s: container %s: resources are not applied: %v", d.where(), c.Name, err))
			res = spec.Resources{}
		}
	}
	if pl.o.Strict && len(notes) > 0 {
		return errdefs.Invalid("%s (--strict)", notes[0])
	}
	for _, n := range notes {
		pl.warnOnce(n)
	}
	for flag, v := range map[string]int64{"memory": res.Memory, "memory-reservation": res.MemoryReservation, "cpu-shares": res.CPUShares} {
		if v != 0 {
			fm[flag] = strconv.FormatInt(v, 10)
		}
	}
	if res.NanoCPUs != 0 {
		fm["cpus"] = strconv.FormatFloat(float64(res.NanoCPUs)/1e9, 'f', -1, 64)
	}
	return nil
}
