package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/version"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/pod"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// Workload types of kube generate --type.
const (
	TypePod        = "pod"
	TypeDeployment = "deployment"
	TypeDaemonSet  = "daemonset"
	TypeJob        = "job"
)

// GenerateOptions are kube generate's flags.
type GenerateOptions struct {
	// Type is the workload each pod becomes (TypePod by default).
	Type string
	// Replicas is a Deployment's (0: 1).
	Replicas int
	// Service adds a NodePort Service for each pod's published ports
	// (-s); the pods then publish nothing themselves.
	Service bool
	// Warn receives one line for each setting Kubernetes cannot carry.
	Warn io.Writer
}

func (o *GenerateOptions) check() error {
	switch o.Type {
	case "":
		o.Type = TypePod
	case TypePod, TypeDeployment, TypeDaemonSet, TypeJob:
	default:
		return errdefs.Invalid("invalid --type %q: use pod, deployment, daemonset or job", o.Type)
	}
	if o.Replicas < 0 || (o.Replicas > 1 && o.Type != TypeDeployment) {
		return errdefs.Invalid("--replicas %d: use a positive number, with --type deployment", o.Replicas)
	}
	return nil
}

// Generate writes the Kubernetes YAML of the containers, pods and volumes
// named: the containers named together as one pod (named after the first,
// -pod), each pod as a pod of its containers, each volume, and each named
// volume they mount, as a PersistentVolumeClaim.
func Generate(ctx context.Context, e *engine.Engine, refs []string, o GenerateOptions, w io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	var ctrs []*container.Container
	var docs, claims []any
	var claimed []string
	addClaim := func(name string, labels map[string]string) {
		if !slices.Contains(claimed, name) {
			claimed = append(claimed, name)
			claims = append(claims, claim(name, name, labels))
		}
	}
	var mounted []string
	for _, ref := range refs {
		if c, err := container.Lookup(e, ref); err == nil {
			if c.Infra {
				return errdefs.Invalid("%s is the infra container of a pod: generate the pod", ref)
			}
			ctrs = append(ctrs, c)
			continue
		} else if !errdefs.IsNotFound(err) {
			return err
		}
		if p, err := pod.Lookup(e, ref); err == nil {
			objs, vols, err := podObjects(ctx, e, p, o)
			if err != nil {
				return err
			}
			docs = append(docs, objs...)
			mounted = append(mounted, vols...)
			continue
		} else if !errdefs.IsNotFound(err) {
			return err
		}
		if v, err := volume.Inspect(e, ref); err == nil {
			addClaim(v.Name, v.Labels)
			continue
		}
		return errdefs.NotFound("no container, pod or volume named %s", ref)
	}
	if len(ctrs) > 0 {
		b := newPodBuilder(ctx, e, o.Warn)
		for _, c := range ctrs {
			if err := b.add(c, c.HostConfig.PortBindings); err != nil {
				return err
			}
		}
		objs, err := b.objects(toLabel(ctrs[0].Name)+"-pod", nil, o)
		if err != nil {
			return err
		}
		docs = append(objs, docs...)
		mounted = append(b.volumes, mounted...)
	}
	// the claims of the volumes mounted: the YAML applies whole, and
	// plays with the same volumes (their names kept in an annotation)
	for _, name := range mounted {
		var labels map[string]string
		if v, err := volume.Inspect(e, name); err == nil {
			labels = v.Labels
		}
		addClaim(name, labels)
	}
	return Write(w, append(claims, docs...), nil)
}

// podObjects are a pod's documents: its containers (the infra's ports on
// the first), shared PID namespace, host name and labels.
func podObjects(ctx context.Context, e *engine.Engine, p *pod.Pod, o GenerateOptions) ([]any, []string, error) {
	cs, err := p.Containers()
	if err != nil {
		return nil, nil, err
	}
	b := newPodBuilder(ctx, e, o.Warn)
	var ports map[string][]container.PortBinding
	for _, c := range cs {
		if c.Infra {
			ports = c.HostConfig.PortBindings
			if c.HostConfig.NetworkMode == "host" {
				b.spec.HostNetwork = true
			}
		}
	}
	n := 0
	for _, c := range cs {
		if c.Infra {
			continue
		}
		pb := c.HostConfig.PortBindings
		if n == 0 {
			pb = ports
		}
		if err := b.add(c, pb); err != nil {
			return nil, nil, err
		}
		n++
	}
	if n == 0 {
		return nil, nil, errdefs.Invalid("pod %s has no containers: Kubernetes needs at least one", p.Name)
	}
	if p.Shares("pid") {
		b.spec.ShareProcessNamespace = ptr(true)
	}
	if p.Hostname != "" && p.Hostname != p.Name {
		b.spec.Hostname = toLabel(p.Hostname)
	}
	objs, err := b.objects(toLabel(p.Name), p.Labels, o)
	return objs, b.volumes, err
}

// objects wraps the pod spec in its workload (and -s's Service).
func (b *podBuilder) objects(name string, labels map[string]string, o GenerateOptions) ([]any, error) {
	meta := ObjectMeta{Name: name, Labels: map[string]string{"app": name}, Annotations: b.annotations}
	maps.Copy(meta.Labels, b.labels)
	for k, v := range labels {
		if isQualifiedName(k) && isLabelValue(v) {
			meta.Labels[k] = v
		}
	}
	if len(meta.Annotations) == 0 {
		meta.Annotations = nil
	}
	var svc *Service
	if o.Service {
		svc = service(name, b.spec.Containers)
	}
	spec := b.spec
	var out []any
	switch o.Type {
	case TypePod:
		out = append(out, &Pod{TypeMeta: TypeMeta{"v1", "Pod"}, Metadata: meta, Spec: spec})
	case TypeDeployment, TypeDaemonSet:
		spec.RestartPolicy = "Always" // the only one these controllers take
		tmpl := PodTemplateSpec{Metadata: ObjectMeta{Labels: meta.Labels, Annotations: meta.Annotations}, Spec: spec}
		sel := &LabelSelector{MatchLabels: map[string]string{"app": name}}
		dm := ObjectMeta{Name: name, Labels: map[string]string{"app": name}}
		if o.Type == TypeDaemonSet {
			out = append(out, &DaemonSet{TypeMeta: TypeMeta{"apps/v1", "DaemonSet"}, Metadata: dm, Spec: DaemonSetSpec{Selector: sel, Template: tmpl}})
			break
		}
		out = append(out, &Deployment{TypeMeta: TypeMeta{"apps/v1", "Deployment"}, Metadata: dm,
			Spec: DeploymentSpec{Replicas: ptr(int32(max(o.Replicas, 1))), Selector: sel, Template: tmpl}})
	case TypeJob:
		if spec.RestartPolicy != "OnFailure" {
			spec.RestartPolicy = "Never"
		}
		tmpl := PodTemplateSpec{Metadata: ObjectMeta{Labels: meta.Labels, Annotations: meta.Annotations}, Spec: spec}
		out = append(out, &Job{TypeMeta: TypeMeta{"batch/v1", "Job"}, Metadata: ObjectMeta{Name: name, Labels: map[string]string{"app": name}}, Spec: JobSpec{Template: tmpl}})
	}
	if svc != nil {
		out = append(out, svc)
	}
	return out, nil
}

// service is -s: a NodePort Service for the pod's published ports, which
// the pod then no longer publishes itself. The port published becomes
// the Service's port; it is also the node port when Kubernetes' range
// (30000-32767) holds it.
func service(name string, cs []Container) *Service {
	s := &Service{TypeMeta: TypeMeta{"v1", "Service"}, Metadata: ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: ServiceSpec{Type: "NodePort", Selector: map[string]string{"app": name}}}
	for i := range cs {
		var keep []ContainerPort
		for _, p := range cs[i].Ports {
			if p.HostPort == 0 {
				keep = append(keep, p)
				continue
			}
			sp := ServicePort{Name: fmt.Sprintf("%d-%s", p.HostPort, strings.ToLower(p.Protocol)), Protocol: p.Protocol, Port: p.HostPort, TargetPort: IntOrString{Int: p.ContainerPort}}
			if p.HostPort >= 30000 && p.HostPort <= 32767 {
				sp.NodePort = p.HostPort
			}
			s.Spec.Ports = append(s.Spec.Ports, sp)
			keep = append(keep, ContainerPort{ContainerPort: p.ContainerPort, Protocol: p.Protocol})
		}
		cs[i].Ports = keep
	}
	if len(s.Spec.Ports) == 0 {
		return nil
	}
	return s
}

// claim is a named volume as a PersistentVolumeClaim named key (the
// volume's name, or a compose project's key for it).
func claim(key, volumeName string, labels map[string]string) *PersistentVolumeClaim {
	meta := ObjectMeta{Name: toLabel(key)}
	if volumeName != meta.Name {
		meta.Annotations = map[string]string{AnnotationVolumeName: volumeName}
	}
	for k, v := range labels {
		if isQualifiedName(k) && isLabelValue(v) {
			if meta.Labels == nil {
				meta.Labels = map[string]string{}
			}
			meta.Labels[k] = v
		}
	}
	return &PersistentVolumeClaim{TypeMeta: TypeMeta{"v1", "PersistentVolumeClaim"}, Metadata: meta,
		Spec: PVCSpec{AccessModes: []string{"ReadWriteOnce"},
			Resources: &ResourceRequirements{Requests: map[string]Quantity{"storage": "1Gi"}}}}
}

// Write writes documents as one YAML stream, each after its comments
// (comments[i] for docs[i]), under skiff's header.
func Write(w io.Writer, docs []any, comments [][]string) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Kubernetes YAML generated by skiff %s: apply it with kubectl apply -f, or play it with skiff kube play.\n", version.Version)
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		if i < len(comments) {
			for _, c := range comments[i] {
				fmt.Fprintf(&buf, "# %s\n", c)
			}
		}
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(d); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// sortedNames is a helper for deterministic output.
func sortedNames[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
