package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/network"
	"github.com/skiff-containers/skiff/runtime/pod"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// DefaultNetwork is the network kube play puts pods on unless --network
// or hostNetwork says otherwise (podman's podman-default-kube-network):
// a pod's name, and the name of each Service selecting it, resolve there.
const DefaultNetwork = "skiff-kube"

// Labels kube play puts on what it makes.
const (
	// LabelPod marks a pod's emptyDir volumes: the pod's name.
	LabelPod = "io.skiff.kube.pod"
	// LabelWorkload marks a pod: KIND/NAME of the document it came from.
	LabelWorkload = "io.skiff.kube.workload"
	// AnnotationVolumeName on a PersistentVolumeClaim names the volume
	// it stands for when that name is not a Kubernetes name (my_data,
	// a compose project's proj_data): kube generate writes it, kube play
	// and kube down use that volume.
	AnnotationVolumeName = "volume.skiff.io/name"
)

// PlayOptions are kube play's flags.
type PlayOptions struct {
	// Replace replaces pods of the same names; if the play fails they
	// come back.
	Replace bool
	// NoStart creates without starting (--start=false).
	NoStart bool
	// Strict refuses kinds and fields skiff does not carry out.
	Strict bool
	// Networks are --network: the pods' networks instead of DefaultNetwork.
	Networks []string
	// Publish are --publish: [[IP:]HOSTPORT:]CONTAINERPORT[/PROTO], which
	// publish (or publish elsewhere) a container port of the YAML.
	Publish []string
	// ConfigMaps are --configmap files: ConfigMaps the YAML refers to.
	ConfigMaps []Source
	// Build says when an image whose name is a directory with a
	// Containerfile or Dockerfile beside the YAML (ContextDir) is built,
	// as podman's --build: BuildMissing (unset), BuildAlways (--build),
	// BuildNever (--build=false).
	Build string
	// ContextDir is where --build looks (the YAML's directory).
	ContextDir string
	// LogDriver is --log-driver for every container.
	LogDriver string
	// Warn receives warnings; Out podman's report (Pod:, Containers:).
	Warn, Out io.Writer
}

// PlayReport lists what was made.
type PlayReport struct {
	Pods []PlayedPod
}

// PlayedPod is a pod and its containers' IDs.
type PlayedPod struct {
	ID, Name   string
	Containers []string
}

// Play runs the YAML: every pod of its Pods, Deployments (replicas),
// DaemonSets and Jobs, with their volumes, ConfigMaps, Secrets and the
// ports of the Services selecting them, through skiff's own verbs. A
// play that fails removes what it made (and with Replace brings back
// what it replaced).
func Play(ctx context.Context, e *engine.Engine, sources []Source, o PlayOptions) (_ *PlayReport, retErr error) {
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	objs, err := load(append(slices.Clone(sources), o.ConfigMaps...), o.Strict, o.Warn)
	if err != nil {
		return nil, err
	}
	if len(objs.pods) == 0 && len(objs.claims) == 0 {
		return nil, errdefs.Invalid("%s: no Pod, Deployment, DaemonSet, Job or PersistentVolumeClaim to play", sourceNames(sources))
	}
	pl := &player{ctx: ctx, e: e, o: o, objs: objs}
	plans, err := pl.plan()
	if err != nil {
		return nil, err
	}
	if err := pl.checkFree(plans); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			pl.rollback()
		}
	}()
	if err := pl.buildImages(plans); err != nil {
		return nil, err
	}
	if err := pl.claims(); err != nil {
		return nil, err
	}
	if err := pl.network(plans); err != nil {
		return nil, err
	}
	rep := &PlayReport{}
	for _, pp := range plans {
		played, err := pl.pod(pp)
		if err != nil {
			return nil, err
		}
		rep.Pods = append(rep.Pods, *played)
	}
	if !o.NoStart {
		for _, p := range rep.Pods {
			if _, err := pod.Start(ctx, e, p.ID); err != nil {
				return nil, err
			}
		}
	}
	pl.commit()
	if o.Out != nil {
		for _, p := range rep.Pods {
			fmt.Fprintf(o.Out, "Pod:\n%s\nContainers:\n%s\n\n", p.ID, strings.Join(p.Containers, "\n"))
		}
	}
	return rep, nil
}

func sourceNames(sources []Source) string {
	var out []string
	for _, s := range sources {
		out = append(out, s.Name)
	}
	return strings.Join(out, ", ")
}

// player is one play's work and what it made, for the rollback.
type player struct {
	ctx  context.Context
	e    *engine.Engine
	o    PlayOptions
	objs *objects

	made struct {
		pods     []string // IDs
		volumes  []string
		networks []string
	}
	replaced []replacedPod
	warned   map[string]bool
}

// warnOnce prints a warning once per play (a workload's replicas repeat
// theirs).
func (pl *player) warnOnce(msg string) {
	if pl.warned == nil {
		pl.warned = map[string]bool{}
	}
	if !pl.warned[msg] {
		pl.warned[msg] = true
		fmt.Fprintf(pl.o.Warn, "WARNING: %s\n", msg)
	}
}

// podPlan is one pod to make.
type podPlan struct {
	w    *workload
	name string
	// publish are -p values for the pod; aliases its names on the network.
	publish []string
	aliases []string
}

// plan names every pod, and gives each the ports of the Services that
// select it (on a workload's first replica: one host port serves one
// pod) and their names as network aliases.
func (pl *player) plan() ([]*podPlan, error) {
	var plans []*podPlan
	names := map[string]bool{}
	for _, w := range pl.objs.pods {
		for i, name := range w.podNames() {
			if names[name] {
				return nil, w.doc.fieldErr("metadata.name", "Duplicate value: a pod %q is made twice", name)
			}
			names[name] = true
			pp := &podPlan{w: w, name: name, aliases: []string{name}}
			if i == 0 {
				pp.publish = hostPorts(w.spec.Containers)
			}
			plans = append(plans, pp)
		}
	}
	for _, d := range pl.objs.services {
		svc := d.obj.(*Service)
		first := map[*workload]bool{}
		matched := false
		for _, pp := range plans {
			if !selects(svc.Spec.Selector, pp.w.meta.Labels) {
				continue
			}
			matched = true
			pp.aliases = append(pp.aliases, svc.Metadata.Name)
			if first[pp.w] || svc.Spec.ClusterIP == "None" {
				continue
			}
			first[pp.w] = true
			ports, err := servicePorts(d, svc, pp.w.spec.Containers)
			if err != nil {
				return nil, err
			}
			pp.publish = appendNew(pp.publish, ports...)
		}
		if !matched {
			fmt.Fprintf(pl.o.Warn, "WARNING: %s: selects no pod of the YAML: its ports are not published\n", d.where())
		}
	}
	if err := applyPublish(plans, pl.o.Publish); err != nil {
		return nil, err
	}
	return plans, nil
}

func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// hostPorts are the containers' ports with a hostPort, as -p values.
func hostPorts(cs []Container) []string {
	var out []string
	for _, c := range cs {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			v := fmt.Sprintf("%d:%d/%s", p.HostPort, p.ContainerPort, protocol(p.Protocol))
			if p.HostIP != "" {
				v = hostIP(p.HostIP) + ":" + v
			}
			out = appendNew(out, v)
		}
	}
	return out
}

func hostIP(ip string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]"
	}
	return ip
}

func protocol(p string) string {
	if p == "" {
		return "tcp"
	}
	return strings.ToLower(p)
}

// servicePorts are a Service's ports as -p values on a pod it selects,
// this machine standing in for the cluster: a ClusterIP Service's port
// on 127.0.0.1, a NodePort Service's node port (else its port) and a
// LoadBalancer Service's port on every address; the target port (a
// number, or a container port's name) in the pod. A headless Service
// (clusterIP: None) publishes nothing: its name resolves.
func servicePorts(d *document, svc *Service, cs []Container) ([]string, error) {
	var out []string
	for i, sp := range svc.Spec.Ports {
		target := sp.TargetPort.Int
		if sp.TargetPort.String != "" {
			target = 0
			for _, c := range cs {
				for _, p := range c.Ports {
					if p.Name == sp.TargetPort.String {
						target = p.ContainerPort
					}
				}
			}
			if target == 0 {
				return nil, d.fieldErr(fmt.Sprintf("spec.ports[%d].targetPort", i), "Invalid value: %q: no container port of that name in the pods it selects", sp.TargetPort.String)
			}
		}
		if target == 0 {
			target = sp.Port
		}
		host, addr := sp.Port, "127.0.0.1:" // a cluster IP: this machine only
		switch svc.Spec.Type {
		case "NodePort":
			addr = ""
			if sp.NodePort != 0 {
				host = sp.NodePort
			}
		case "LoadBalancer":
			addr = ""
		}
		out = append(out, fmt.Sprintf("%s%d:%d/%s", addr, host, target, protocol(sp.Protocol)))
	}
	return out, nil
}

// applyPublish applies --publish: each value publishes the container port
// it names on the pod declaring it, replacing that port's host side.
func applyPublish(plans []*podPlan, values []string) error {
	for _, v := range values {
		spec, proto, _ := strings.Cut(v, "/")
		if proto == "" {
			proto = "tcp"
		}
		i := strings.LastIndex(spec, ":")
		cport := spec[i+1:]
		var target *podPlan
		for _, pp := range plans {
			for _, c := range pp.w.spec.Containers {
				for _, p := range c.Ports {
					if fmt.Sprint(p.ContainerPort) == cport && protocol(p.Protocol) == proto && target == nil {
						target = pp
					}
				}
			}
		}
		if target == nil {
			return errdefs.Invalid("--publish %s: no container of the YAML declares port %s/%s", v, cport, proto)
		}
		target.publish = slices.DeleteFunc(target.publish, func(p string) bool {
			return strings.HasSuffix(p, ":"+cport+"/"+proto)
		})
		if i < 0 {
			spec = cport + ":" + cport // --publish 8080: the same port on the host
		}
		target.publish = append(target.publish, spec+"/"+proto)
	}
	return nil
}

// checkFree refuses pods and containers whose names are taken, unless
// Replace (then they are set aside).
func (pl *player) checkFree(plans []*podPlan) error {
	for _, pp := range plans {
		if _, err := pod.Lookup(pl.e, pp.name); err == nil {
			if !pl.o.Replace {
				return errdefs.Conflict("%s: pod %s already exists: remove it (kube down) or use --replace", pp.w.doc.where(), pp.name)
			}
			if err := pl.setAside(pp.name); err != nil {
				return err
			}
		} else if !errdefs.IsNotFound(err) {
			return err
		}
		for _, c := range append(slices.Clone(pp.w.spec.InitContainers), pp.w.spec.Containers...) {
			if _, err := container.Lookup(pl.e, pp.name+"-"+c.Name); err == nil {
				return errdefs.Conflict("%s: container %s-%s already exists: remove it first", pp.w.doc.where(), pp.name, c.Name)
			}
		}
	}
	return nil
}

// claims makes the named volumes of the PersistentVolumeClaims (and
// keeps those that exist: their data is the point).
func (pl *player) claims() error {
	for _, d := range pl.objs.claims {
		if err := pl.ensureVolume(pl.objs.volumeName(d.obj.(*PersistentVolumeClaim).Metadata.Name), nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// ensureVolume makes a volume unless it exists.
func (pl *player) ensureVolume(name string, labels, opts map[string]string) error {
	if _, err := volume.Inspect(pl.e, name); err == nil {
		return nil
	} else if !errdefs.IsNotFound(err) {
		return err
	}
	if _, err := volume.Create(pl.e, volume.CreateOptions{Name: name, Labels: labels, Options: opts}); err != nil {
		return fmt.Errorf("creating volume %s: %w", name, err)
	}
	pl.made.volumes = append(pl.made.volumes, name)
	return nil
}

// network makes DefaultNetwork when a pod needs it.
func (pl *player) network(plans []*podPlan) error {
	if len(pl.o.Networks) > 0 {
		return nil
	}
	need := slices.ContainsFunc(plans, func(pp *podPlan) bool { return !pp.w.spec.HostNetwork })
	if !need {
		return nil
	}
	if _, err := network.Lookup(pl.e, DefaultNetwork); err == nil {
		return nil
	} else if !errdefs.IsNotFound(err) {
		return err
	}
	if _, err := network.Create(pl.e, network.CreateOptions{Name: DefaultNetwork}); err != nil && !errors.Is(err, errdefs.ErrConflict) {
		return fmt.Errorf("creating network %s: %w", DefaultNetwork, err)
	}
	pl.made.networks = append(pl.made.networks, DefaultNetwork)
	return nil
}

// rollback removes what the play made and brings back what it replaced.
func (pl *player) rollback() {
	for _, id := range slices.Backward(pl.made.pods) {
		_ = pod.Remove(context.Background(), pl.e, id, pod.RemoveOptions{Force: true, Volumes: true})
	}
	for _, v := range pl.made.volumes {
		_ = volume.Remove(pl.e, v, volume.RemoveOptions{Force: true})
	}
	for _, n := range pl.made.networks {
		_ = network.Remove(pl.e, n, network.RemoveOptions{Users: container.NetworkUsers(pl.e)})
	}
	pl.restore()
}

// commit removes the pods the play replaced.
func (pl *player) commit() {
	for _, r := range pl.replaced {
		_ = pod.Remove(context.Background(), pl.e, r.id, pod.RemoveOptions{Force: true, Volumes: true})
		removeLabelled(pl.e, LabelPod, r.id)
	}
	pl.replaced = nil
}
