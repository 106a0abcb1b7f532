package build

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/build/dockerfile"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// state is where a stage stands: the image of its last step.
type state struct {
	// id is the current image ("" on scratch before the first step).
	id  string
	top string // its top layer
	cfg *manifest.Schema2Image
}

// stageRun builds one stage.
type stageRun struct {
	b     *builder
	st    *dockerfile.Stage
	out   io.Writer
	step  int // number of the next step
	total int
	last  bool // the target: --label applies

	cur    state
	args   *dockerfile.Scope
	cmdSet bool // CMD given in this stage (ENTRYPOINT keeps it)
	used   map[string]bool
	// fromIDs are the images COPY --from names resolved to (cache keys).
	fromIDs map[string]string
}

func (x *stageRun) run(ctx context.Context) (*state, error) {
	x.args = dockerfile.NewScope()
	x.used = map[string]bool{}
	defer func() {
		for k := range x.used {
			x.b.markUsed(k)
		}
	}()
	if err := x.from(ctx); err != nil {
		return nil, err
	}
	cmds := x.st.Commands
	if x.last && len(x.b.o.Labels) > 0 {
		cmds = append(slices.Clone(cmds), labelCommand(x.b.o.Labels))
	}
	for _, cmd := range cmds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x.printStep(text(cmd))
		if err := x.exec(ctx, cmd); err != nil {
			return nil, err
		}
	}
	if x.cur.id == "" {
		// FROM scratch and nothing else: still an image (an empty one).
		if err := x.commit(ctx, "", nil, ""); err != nil {
			return nil, err
		}
		fmt.Fprintf(x.out, " ---> %s\n", short(x.cur.id))
	}
	return &x.cur, nil
}

func (x *stageRun) printStep(text string) {
	fmt.Fprintf(x.out, "Step %d/%d : %s\n", x.step, x.total, text)
	x.step++
}

// from starts the stage on its base: scratch, an earlier stage, or an
// image (pulled when missing or with --pull), then runs the base image's
// ONBUILD triggers.
func (x *stageRun) from(ctx context.Context) error {
	x.printStep(x.st.Source)
	if err := x.checkPlatform(); err != nil {
		return err
	}
	name, err := dockerfile.Expander(x.b.df.Escape, nil, x.b.global)(x.st.BaseName)
	if err != nil {
		return x.errorf(nil, "%v", err)
	}
	switch {
	case name == "scratch":
		x.cur = state{cfg: scratchConfig()}
		fmt.Fprintf(x.out, " ---> \n")
		return nil
	case name == "":
		return x.errorf(nil, "base name (%s) should not be blank", x.st.BaseName)
	}
	if dep, ok := x.b.df.StageByName(name, x.st.Index); ok {
		st, err := x.b.stageOf(ctx, dep.Index)
		if err != nil {
			return err
		}
		x.cur = *st
		x.cur.cfg = cloneConfig(st.cfg)
	} else {
		img, err := x.b.im.base(ctx, name, x.b.o.Pull)
		if err != nil {
			return err
		}
		x.cur = state{id: img.ID, top: img.TopLayer, cfg: cloneConfig(img.Docker)}
	}
	fmt.Fprintf(x.out, " ---> %s\n", short(x.cur.id))
	return x.onBuild(ctx)
}

// checkPlatform refuses FROM --platform for another platform: skiff
// builds for this machine only.
func (x *stageRun) checkPlatform() error {
	if x.st.Platform == "" {
		return nil
	}
	p, err := dockerfile.Expander(x.b.df.Escape, nil, x.b.global)(x.st.Platform)
	if err != nil {
		return x.errorf(nil, "%v", err)
	}
	if !HostPlatform(p) {
		return x.errorf(nil, "FROM --platform=%s: skiff builds for this machine's platform only (linux/%s)", p, runtime.GOARCH)
	}
	return nil
}

// onBuild runs the base image's ONBUILD triggers, then clears them.
func (x *stageRun) onBuild(ctx context.Context) error {
	triggers := x.cur.cfg.Config.OnBuild
	if len(triggers) == 0 {
		return nil
	}
	word := "triggers"
	if len(triggers) == 1 {
		word = "trigger"
	}
	fmt.Fprintf(x.out, "# Executing %d build %s\n", len(triggers), word)
	x.cur.cfg.Config.OnBuild = nil
	for _, t := range triggers {
		res, err := parser.Parse(strings.NewReader(t + "\n"))
		if err != nil || len(res.AST.Children) != 1 {
			return x.errorf(nil, "the base image's ONBUILD trigger %q cannot be parsed", t)
		}
		cmd, err := instructions.ParseCommand(res.AST.Children[0])
		if err != nil {
			return x.errorf(nil, "the base image's ONBUILD trigger %q: %v", t, err)
		}
		fmt.Fprintf(x.out, " ---> %s\n", t)
		if err := x.exec(ctx, cmd); err != nil {
			return err
		}
	}
	return nil
}

// exec runs one instruction: from the cache when its key is known there,
// else for real.
func (x *stageRun) exec(ctx context.Context, cmd instructions.Command) error {
	expand := dockerfile.Expander(x.b.df.Escape, x.cur.cfg.Config.Env, x.args)
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		if err := x.args.Declare(c, x.b.o.BuildArgs, x.b.global, expand, x.used); err != nil {
			return x.errorf(cmd, "%v", err)
		}
		fmt.Fprintf(x.out, " ---> %s\n", short(x.cur.id))
		return nil
	case *instructions.RunCommand:
		return x.runStep(ctx, c, expand)
	case *instructions.CopyCommand:
		return x.copyStep(ctx, copySpecOf(c), expand)
	case *instructions.AddCommand:
		return x.copyStep(ctx, addSpecOf(c), expand)
	}
	cfg := cloneConfig(x.cur.cfg)
	if err := x.applyMeta(cfg, cmd, expand); err != nil {
		return err
	}
	k := key(x.cur.id, text(cmd), x.args.Pairs(), x.formatKey())
	if x.useCache(k) {
		return nil
	}
	return x.commitMeta(ctx, k, cfg, text(cmd))
}

// formatKey keeps docker and OCI images of the same step apart.
func (x *stageRun) formatKey() string {
	if x.b.o.OCI {
		return "oci"
	}
	return "docker"
}

// useCache adopts the cached result of key k, if any.
func (x *stageRun) useCache(k string) bool {
	if x.b.o.NoCache {
		return false
	}
	e := x.b.cache.get(k)
	if e == nil {
		return false
	}
	if !x.b.im.exists(e.ID) {
		x.b.cache.drop(k)
		return false
	}
	x.cur = state{id: e.ID, top: e.TopLayer, cfg: e.Config}
	fmt.Fprintf(x.out, " ---> Using cache\n ---> %s\n", short(e.ID))
	return true
}

// commitMeta stores the image of a metadata step.
func (x *stageRun) commitMeta(ctx context.Context, k string, cfg *manifest.Schema2Image, createdBy string) error {
	x.cur.cfg = cfg
	if err := x.commit(ctx, x.cur.top, &manifest.Schema2History{CreatedBy: createdBy, EmptyLayer: true}, k); err != nil {
		return err
	}
	fmt.Fprintf(x.out, " ---> %s\n", short(x.cur.id))
	return nil
}

// commit stores the current configuration with top as the next image,
// adds h to its history, and records it under cache key k ("": none).
func (x *stageRun) commit(ctx context.Context, top string, h *manifest.Schema2History, k string) error {
	cfg := cloneConfig(x.cur.cfg)
	now := time.Now().UTC()
	cfg.Created = now
	if h != nil {
		h.Created = now
		cfg.History = append(slices.Clone(cfg.History), *h)
	}
	id, err := x.b.im.newImage(top, cfg, x.b.o.OCI, x.cur.id)
	if err != nil {
		return err
	}
	x.cur = state{id: id, top: top, cfg: cfg}
	if k != "" {
		x.b.cache.put(k, &cacheEntry{ID: id, TopLayer: top, Config: cfg})
	}
	return nil
}

// errorf is a build error at cmd's line (the FROM line for nil).
func (x *stageRun) errorf(cmd instructions.Command, format string, args ...any) error {
	if cmd == nil || dockerfile.Line(cmd) == 0 {
		return &dockerfile.Error{File: x.b.df.Name, Line: x.st.Line, Msg: fmt.Sprintf(format, args...)}
	}
	return dockerfile.Errorf(x.b.df.Name, cmd, format, args...)
}

// scratchConfig is the configuration of an image built FROM scratch.
func scratchConfig() *manifest.Schema2Image {
	return &manifest.Schema2Image{
		Schema2V1Image: manifest.Schema2V1Image{
			Architecture: runtime.GOARCH, OS: "linux",
			Config: &manifest.Schema2Config{Env: []string{"PATH=" + spec.DefaultPath}},
		},
		RootFS: &manifest.Schema2RootFS{Type: "layers"},
	}
}

// cloneConfig deep-copies what steps change.
func cloneConfig(c *manifest.Schema2Image) *manifest.Schema2Image {
	out := *c
	cfg := manifest.Schema2Config{}
	if c.Config != nil {
		cfg = *c.Config
	}
	cfg.Env = slices.Clone(cfg.Env)
	cfg.Cmd = slices.Clone(cfg.Cmd)
	cfg.Entrypoint = slices.Clone(cfg.Entrypoint)
	cfg.Shell = slices.Clone(cfg.Shell)
	cfg.OnBuild = slices.Clone(cfg.OnBuild)
	if cfg.Labels != nil {
		l := make(map[string]string, len(cfg.Labels))
		for k, v := range cfg.Labels {
			l[k] = v
		}
		cfg.Labels = l
	}
	if cfg.Volumes != nil {
		v := make(map[string]struct{}, len(cfg.Volumes))
		for k := range cfg.Volumes {
			v[k] = struct{}{}
		}
		cfg.Volumes = v
	}
	if cfg.ExposedPorts != nil {
		p := make(manifest.Schema2PortSet, len(cfg.ExposedPorts))
		for k := range cfg.ExposedPorts {
			p[k] = struct{}{}
		}
		cfg.ExposedPorts = p
	}
	if cfg.Healthcheck != nil {
		h := *cfg.Healthcheck
		h.Test = slices.Clone(h.Test)
		cfg.Healthcheck = &h
	}
	out.Config = &cfg
	out.History = slices.Clone(c.History)
	out.ContainerConfig = manifest.Schema2Config{}
	out.Container = ""
	return &out
}

// labelCommand is --label as the LABEL step docker's classic builder
// appends.
func labelCommand(labels map[string]string) instructions.Command {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("LABEL")
	for _, k := range keys {
		fmt.Fprintf(&b, " %q=%q", k, labels[k])
	}
	res, err := parser.Parse(strings.NewReader(b.String() + "\n"))
	if err == nil && len(res.AST.Children) == 1 {
		if cmd, err := instructions.ParseCommand(res.AST.Children[0]); err == nil {
			return cmd
		}
	}
	c := instructions.NewLabelCommand(keys[0], labels[keys[0]], true)
	return c
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func familiar(n reference.Named) string { return reference.FamiliarString(n) }

func isNotFound(err error) bool { return errdefs.IsNotFound(err) }

func isProxyArg(k string) bool { return slices.Contains(dockerfile.ProxyArgs, k) }

func sortStrings(s []string) { sort.Strings(s) }

// HostPlatform reports whether p (--platform, FROM --platform) names
// this machine's platform, the only one skiff builds for.
func HostPlatform(p string) bool {
	p = strings.ToLower(p)
	switch p {
	case "", "local", "linux", "linux/" + runtime.GOARCH:
		return true
	}
	return runtime.GOARCH == "amd64" && (p == "linux/amd64/v1" || p == "linux/x86_64")
}

// text is an instruction as written in the Dockerfile.
func text(cmd instructions.Command) string {
	if s, ok := cmd.(fmt.Stringer); ok {
		return s.String()
	}
	return strings.ToUpper(cmd.Name())
}
