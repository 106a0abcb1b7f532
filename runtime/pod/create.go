package pod

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/labels"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
)

// DefaultShare are the namespaces a pod's containers share unless
// --share says otherwise (podman's default).
var DefaultShare = []string{"ipc", "net", "uts"}

// CreateOptions are pod create's flags.
type CreateOptions struct {
	Name   string
	Labels map[string]string
	// Share are the namespaces the containers join (ipc, net, pid, uts).
	Share []string
	// NoInfra is --infra=false: no infra container, nothing shared.
	NoInfra bool
	// Infra are the infra container's options: its network (-p,
	// --network, --dns, --add-host, ...) and host name, which the pod's
	// containers share; read by run's own parsers (ParseCreateFlags).
	Infra *container.CreateOptions
	// CreateCommand is the command line, for inspect.
	CreateCommand []string
}

// infraFlags are the run flags of pod create that go to its infra
// container, as lists or single values.
var (
	infraListFlags   = []string{"publish", "expose", "network", "network-alias", "dns", "dns-search", "dns-option", "add-host"}
	infraStringFlags = []string{"hostname", "ip", "mac-address"}
)

// ParseCreateFlags reads pod create's flags: the pod's own (name, label,
// share, infra) and its infra container's, through run's parsers.
func ParseCreateFlags(f container.Flags) (*CreateOptions, error) {
	o := &CreateOptions{Name: f.String("name")}
	var err error
	if o.Labels, err = labels.Parse(f.StringSlice("label")); err != nil {
		return nil, err
	}
	o.NoInfra = f.IsSet("infra") && !f.Bool("infra")
	if o.Share, err = ParseShare(f.String("share"), f.IsSet("share")); err != nil {
		return nil, err
	}
	fm := container.FlagMap{"pull": image.PullNever}
	for _, n := range infraListFlags {
		if f.IsSet(n) {
			fm[n] = f.StringSlice(n)
		}
	}
	for _, n := range infraStringFlags {
		if f.IsSet(n) {
			fm[n] = f.String(n)
		}
	}
	if f.Bool("publish-all") {
		fm["publish-all"] = true
	}
	if o.NoInfra && len(fm) > 1 {
		return nil, errdefs.Invalid("cannot set network options (%s) for a pod without an infra container: they are the infra's", strings.Join(setNames(fm), ", "))
	}
	if o.Infra, err = container.ParseCreateFlags(fm, []string{""}); err != nil {
		return nil, err
	}
	return o, nil
}

func setNames(fm container.FlagMap) []string {
	var out []string
	for k := range fm {
		if k != "pull" {
			out = append(out, "--"+k)
		}
	}
	slices.Sort(out)
	return out
}

// ParseShare reads --share: a comma list of ipc, net, pid and uts, none
// (or empty) for nothing; "+ns" adds to the default.
func ParseShare(v string, set bool) ([]string, error) {
	if !set {
		return slices.Clone(DefaultShare), nil
	}
	var out []string
	if strings.HasPrefix(v, "+") {
		out = slices.Clone(DefaultShare)
		v = v[1:]
	}
	for _, ns := range strings.Split(v, ",") {
		switch ns = strings.TrimSpace(ns); ns {
		case "", "none":
		case "ipc", "net", "pid", "uts":
			if !slices.Contains(out, ns) {
				out = append(out, ns)
			}
		case "cgroup":
			return nil, errdefs.Invalid("invalid --share %q: sharing the cgroup namespace is not supported by skiff: share ipc, net, pid or uts", v)
		default:
			return nil, errdefs.Invalid("invalid --share %q: unknown namespace %q: use ipc, net, pid, uts or none", v, ns)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Create makes a pod: its record, name and infra container (created, not
// started: the pod starts with its first container, or pod start).
// Nothing is left behind when it fails.
func Create(ctx context.Context, e *engine.Engine, o CreateOptions) (_ *Pod, retErr error) {
	if o.NoInfra {
		o.Share = nil
	}
	p := &Pod{e: e, Record: Record{
		ID: newID(), Name: o.Name, Created: time.Now().UTC(), Labels: o.Labels,
		Share: o.Share, CreateCommand: o.CreateCommand,
	}}
	if o.Infra != nil {
		p.Hostname = o.Infra.Spec.Hostname
	}
	if err := p.claimName(); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			p.forget()
		}
	}()
	if err := p.save(); err != nil {
		return nil, err
	}
	if o.NoInfra {
		return p, nil
	}
	io := o.Infra
	if io == nil {
		io = &container.CreateOptions{}
	}
	io.Name, io.Pod, io.Infra, io.Detach = p.ShortID()+"-infra", p.ID, true, true
	io.Streams = container.Streams{}
	if slices.Contains(o.Share, "ipc") {
		io.Spec.IPCMode = "shareable"
	}
	switch {
	case !slices.Contains(o.Share, "uts"):
		io.Spec.Hostname = ""
	case io.Spec.Hostname == "":
		io.Spec.Hostname, p.Hostname = p.Name, p.Name // podman's default
	}
	infra, err := container.Create(ctx, e, *io)
	if err != nil {
		return nil, err
	}
	p.InfraID = infra.ID
	if err := p.save(); err != nil {
		_ = container.Remove(e, infra.ID, container.RemoveOptions{Force: true, Infra: true})
		return nil, err
	}
	return p, nil
}

// claimName takes the pod's name, or a generated one.
func (p *Pod) claimName() error {
	if p.Name != "" {
		if err := ValidateName(p.Name); err != nil {
			return err
		}
		return p.claim()
	}
	for retry := 0; ; retry++ {
		p.Name = container.GenerateName(retry)
		err := p.claim()
		if err == nil || retry > 20 || !errors.Is(err, errdefs.ErrConflict) {
			return err
		}
	}
}

// Member resolves a container's --pod (o.PodRef): the pod named, or for
// new:NAME a pod made for it, which takes the container's network
// options (they belong to the pod). The container then joins the
// namespaces the pod shares through its infra: --network, --ipc, --pid
// and --uts container:INFRA. undo removes a pod made here, for a create
// that fails afterwards.
func Member(ctx context.Context, e *engine.Engine, o *container.CreateOptions) (undo func(), err error) {
	undo = func() {}
	if o.PodRef == "" {
		return undo, nil
	}
	var p *Pod
	if name, ok := strings.CutPrefix(o.PodRef, "new:"); ok {
		infra := &container.CreateOptions{NetworkOptions: o.NetworkOptions}
		infra.Spec.Hostname = o.Spec.Hostname
		o.NetworkOptions, o.Spec.Hostname = container.NetworkOptions{}, ""
		if p, err = Create(ctx, e, CreateOptions{Name: name, Share: slices.Clone(DefaultShare), Infra: infra}); err != nil {
			return undo, err
		}
		undo = func() { _ = Remove(ctx, e, p.ID, RemoveOptions{Force: true}) }
	} else if p, err = Lookup(e, o.PodRef); err != nil {
		return undo, err
	}
	if err := p.join(o); err != nil {
		undo()
		return func() {}, err
	}
	return undo, nil
}

// join makes o a container of the pod.
func (p *Pod) join(o *container.CreateOptions) error {
	o.Pod = p.ID
	if p.InfraID == "" {
		return nil
	}
	infra := "container:" + p.InfraID
	if p.Shares("net") {
		n := &o.NetworkOptions
		switch {
		case len(n.Publish) > 0 || n.PublishAll || len(n.Expose) > 0:
			return errNetShared("published or exposed ports")
		case len(n.Networks) > 0 || n.IP != "" || n.MacAddress != "" || len(n.Aliases) > 0:
			return errNetShared("networks")
		case len(n.DNS) > 0 || len(n.DNSSearch) > 0 || len(n.DNSOptions) > 0 || len(n.AddHosts) > 0:
			return errNetShared("DNS and host entries")
		}
		n.Networks = []string{infra}
	}
	for _, m := range []struct {
		ns   string
		mode *string
	}{{"ipc", &o.Spec.IPCMode}, {"pid", &o.Spec.PIDMode}, {"uts", &o.Spec.UTSMode}} {
		if !p.Shares(m.ns) {
			continue
		}
		if *m.mode != "" {
			return errdefs.Invalid("invalid config provided: --%s cannot be set: the pod %s shares its %s namespace", m.ns, p.Name, m.ns)
		}
		*m.mode = infra
	}
	if p.Shares("uts") && o.Spec.Hostname != "" {
		return errdefs.Invalid("invalid config provided: cannot set hostname when joining the pod UTS namespace")
	}
	return nil
}
