package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/fsnotify/fsnotify"
	"github.com/moby/patternmatcher"

	"github.com/skiff-containers/skiff/runtime/build/buildctx"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
)

// WatchOptions are watch's flags.
type WatchOptions struct {
	// Services are the services watched (all with a develop.watch section
	// when none are named).
	Services []string
	// NoUp skips the up that starts (and builds) the services first.
	NoUp bool
	// Prune removes the image a rebuild replaced when nothing else uses
	// or names it.
	Prune bool
	// Up is how the services are brought up and recreated after a
	// rebuild (its Services, NoDeps and Build are watch's).
	Up UpOptions
	// Out receives watch's lines ("Syncing service ..."), Warn the
	// failures it goes on after.
	Out, Warn io.Writer
	// Quiet is how long the files must stay unchanged before a batch of
	// changes is acted on (0: 500 ms), so that a save or a checkout is
	// one action.
	Quiet time.Duration
	// Ready, when set, is called once the watches are in place.
	Ready func()
}

// watchRule is one develop.watch entry of a service, ready to match
// paths against.
type watchRule struct {
	service string
	types.Trigger
	// ignore holds the entry's ignore patterns (relative to Path) and
	// the editors' and version control's own files.
	ignore *patternmatcher.PatternMatcher
	// include, when set, keeps only the paths it matches.
	include *patternmatcher.PatternMatcher
	// context is the service's build context with its .dockerignore
	// (nil without a build section): what it leaves out is not watched.
	context *buildctx.FS
}

// ignoredAlways are files no watch acts on: version control's and the
// swap and backup files editors write beside the files they save.
var ignoredAlways = []string{".git", "**/.git", "**/*.swp", "**/*.swx", "**/*~", "**/.#*", "**/#*#", "**/4913"}

// watchRules collects the develop.watch entries of the named services
// (all when none are named).
func (p *Project) watchRules(services []string) ([]*watchRule, error) {
	names, err := p.services(services)
	if err != nil {
		return nil, err
	}
	var rules []*watchRule
	for _, name := range names {
		s := p.Services[name]
		if s.Develop == nil {
			continue
		}
		var ctx *buildctx.FS
		if s.Build != nil {
			dockerfile := ""
			if s.Build.Dockerfile != "" && s.Build.DockerfileInline == "" {
				dockerfile = s.Build.Dockerfile
				if !filepath.IsAbs(dockerfile) {
					dockerfile = filepath.Join(s.Build.Context, dockerfile)
				}
			}
			if ctx, err = buildctx.IgnoreFor(s.Build.Context, dockerfile); err != nil {
				return nil, fail(serviceErr(&s, "%v", err))
			}
		}
		for _, t := range s.Develop.Watch {
			r, err := newWatchRule(&s, t, ctx)
			if err != nil {
				return nil, fail(err)
			}
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return nil, fail(errors.New("none of the selected services is configured for watch: add a develop.watch section to the services to watch"))
	}
	return rules, nil
}

func newWatchRule(s *types.ServiceConfig, t types.Trigger, ctx *buildctx.FS) (*watchRule, error) {
	r := &watchRule{service: s.Name, Trigger: t, context: ctx}
	switch t.Action {
	case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
		if t.Target == "" || !path.IsAbs(t.Target) {
			return nil, serviceErr(s, "develop.watch %s of %s needs an absolute target in the container", t.Action, t.Path)
		}
		if t.Action == types.WatchActionSyncExec && len(t.Exec.Command) == 0 {
			return nil, serviceErr(s, "develop.watch sync+exec of %s needs exec.command", t.Path)
		}
	case types.WatchActionRebuild:
		if s.Build == nil {
			return nil, serviceErr(s, "develop.watch rebuild of %s needs a build section", t.Path)
		}
	case types.WatchActionRestart:
	default:
		return nil, serviceErr(s, "unknown develop.watch action %q: use sync, rebuild, restart, sync+restart or sync+exec", t.Action)
	}
	if !filepath.IsAbs(t.Path) {
		return nil, serviceErr(s, "develop.watch path %s is not absolute", t.Path)
	}
	var err error
	if r.ignore, err = patternmatcher.New(append(slices.Clone(ignoredAlways), t.Ignore...)); err != nil {
		return nil, serviceErr(s, "develop.watch ignore of %s: %v", t.Path, err)
	}
	if len(t.Include) > 0 {
		if r.include, err = patternmatcher.New(t.Include); err != nil {
			return nil, serviceErr(s, "develop.watch include of %s: %v", t.Path, err)
		}
	}
	return r, nil
}

// rel is p relative to the rule's path ("." for the path itself), false
// when p is not under it.
func (r *watchRule) rel(p string) (string, bool) {
	rel, err := filepath.Rel(r.Path, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// matches reports whether a change of p concerns the rule: under its
// path, not ignored by it, by its include or by the build context's
// .dockerignore.
func (r *watchRule) matches(p string) bool {
	rel, ok := r.rel(p)
	if !ok {
		return false
	}
	if rel != "." {
		if ign, _ := r.ignore.MatchesOrParentMatches(rel); ign {
			return false
		}
		if r.include != nil {
			if inc, _ := r.include.MatchesOrParentMatches(rel); !inc {
				return false
			}
		}
	}
	if r.context != nil && r.context.Ignore != nil {
		if crel, err := filepath.Rel(r.context.Root, p); err == nil && crel != "." && !strings.HasPrefix(crel, "..") {
			return !r.context.Ignored(filepath.ToSlash(crel))
		}
	}
	return true
}

// Watch brings the services up (unless NoUp) and then acts on every
// change under their develop.watch paths until ctx ends: sync copies
// what changed into the service's containers at the target and removes
// there what was removed, sync+restart then restarts them, sync+exec
// runs a command in them, restart restarts them, and rebuild builds the
// image again and recreates the service's containers. Changes are taken
// in batches, once the files have been quiet for a moment.
func (p *Project) Watch(ctx context.Context, e *engine.Engine, o WatchOptions) error {
	rules, err := p.watchRules(o.Services)
	if err != nil {
		return err
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	if o.Quiet == 0 {
		o.Quiet = 500 * time.Millisecond
	}
	if !o.NoUp {
		up := o.Up
		up.Services = watchedServices(rules)
		if _, err := p.Up(ctx, e, up); err != nil {
			return err
		}
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fail(fmt.Errorf("watching files: %w", err))
	}
	defer w.Close()
	for _, r := range rules {
		if err := addWatches(w, r.Path, rules); err != nil {
			return fail(err)
		}
	}
	if err := p.initialSync(ctx, e, rules, o); err != nil {
		return err
	}
	fmt.Fprintln(o.Out, "Watch enabled")
	if o.Ready != nil {
		o.Ready()
	}
	return p.watchLoop(ctx, e, w, rules, o)
}

// watchedServices are the services the rules belong to, in order.
func watchedServices(rules []*watchRule) []string {
	var out []string
	for _, r := range rules {
		if !slices.Contains(out, r.service) {
			out = append(out, r.service)
		}
	}
	return out
}

// addWatches watches dir and every directory below it that a rule
// cares about (inotify is not recursive); a file is watched through its
// directory.
func addWatches(w *fsnotify.Watcher, root string, rules []*watchRule) error {
	st, err := os.Stat(root)
	if errors.Is(err, os.ErrNotExist) {
		// not there yet: its parent tells when it comes
		return addWatches(w, filepath.Dir(root), nil)
	}
	if err != nil {
		return fmt.Errorf("watching %s: %w", root, err)
	}
	if !st.IsDir() {
		return w.Add(filepath.Dir(root))
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && rules != nil && !slices.ContainsFunc(rules, func(r *watchRule) bool { return r.matches(p) }) {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			return fmt.Errorf("watching %s: %w (raise fs.inotify.max_user_watches, or ignore large directories)", p, err)
		}
		return nil
	})
}

// watchLoop gathers changed paths until the files are quiet, then acts
// on the batch.
func (p *Project) watchLoop(ctx context.Context, e *engine.Engine, w *fsnotify.Watcher, rules []*watchRule, o WatchOptions) error {
	pending := map[string]bool{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			fmt.Fprintf(o.Warn, "WARN watching files: %v\n", err)
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !slices.ContainsFunc(rules, func(r *watchRule) bool { return r.matches(ev.Name) }) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					if err := addWatches(w, ev.Name, rules); err != nil {
						fmt.Fprintf(o.Warn, "WARN %v\n", err)
					}
				}
			}
			pending[ev.Name] = true
			timer.Reset(o.Quiet)
		case <-timer.C:
			batch := slices.Sorted(func(yield func(string) bool) {
				for k := range pending {
					if !yield(k) {
						return
					}
				}
			})
			clear(pending)
			p.onChanges(ctx, e, rules, batch, o)
		}
	}
}

// serviceChanges are what one batch asks of one service.
type serviceChanges struct {
	rebuild, restart bool
	// syncs are the changed paths per sync rule, relative to its path.
	syncs map[*watchRule][]string
	execs []*watchRule
	count int
}

// onChanges acts on a batch of changed paths, service by service;
// failures are reported and watching goes on.
func (p *Project) onChanges(ctx context.Context, e *engine.Engine, rules []*watchRule, paths []string, o WatchOptions) {
	bySvc := map[string]*serviceChanges{}
	for _, file := range paths {
		for _, r := range rules {
			if !r.matches(file) {
				continue
			}
			sc := bySvc[r.service]
			if sc == nil {
				sc = &serviceChanges{syncs: map[*watchRule][]string{}}
				bySvc[r.service] = sc
			}
			sc.count++
			rel, _ := r.rel(file)
			switch r.Action {
			case types.WatchActionRebuild:
				sc.rebuild = true
			case types.WatchActionRestart:
				sc.restart = true
			default:
				sc.syncs[r] = append(sc.syncs[r], rel)
				if r.Action == types.WatchActionSyncRestart {
					sc.restart = true
				}
				if r.Action == types.WatchActionSyncExec && !slices.Contains(sc.execs, r) {
					sc.execs = append(sc.execs, r)
				}
			}
		}
	}
	for _, svc := range slices.Sorted(func(yield func(string) bool) {
		for k := range bySvc {
			if !yield(k) {
				return
			}
		}
	}) {
		if err := p.applyChanges(ctx, e, svc, bySvc[svc], o); err != nil {
			fmt.Fprintf(o.Warn, "WARN service %q: %v\n", svc, err)
		}
	}
}

// applyChanges carries out one service's batch: a rebuild replaces
// everything else (the new containers have the new files).
func (p *Project) applyChanges(ctx context.Context, e *engine.Engine, svc string, sc *serviceChanges, o WatchOptions) error {
	if sc.rebuild {
		fmt.Fprintf(o.Out, "Rebuilding service %q after %d changes were detected\n", svc, sc.count)
		return p.rebuild(ctx, e, svc, o)
	}
	cs, err := p.Containers(e, false)
	if err != nil {
		return err
	}
	cs = selected(cs, []string{svc})
	if len(sc.syncs) > 0 {
		fmt.Fprintf(o.Out, "Syncing service %q after %d changes were detected\n", svc, sc.count)
	}
	for r, rels := range sc.syncs {
		for _, c := range cs {
			if err := syncInto(ctx, e, c, r, rels); err != nil {
				return fmt.Errorf("syncing %s into %s: %w", r.Path, c.Name, err)
			}
		}
	}
	if sc.restart {
		fmt.Fprintf(o.Out, "Restarting service %q after changes were detected\n", svc)
		for _, c := range cs {
			if err := container.Restart(ctx, e, c.ID, container.StopOptions{Timeout: o.Up.Timeout}); err != nil {
				return err
			}
		}
	}
	for _, r := range sc.execs {
		for _, c := range cs {
			if err := execHook(ctx, e, c, r.Exec, o.Out); err != nil {
				return err
			}
		}
	}
	return nil
}

// rebuild builds the service's image again and recreates its
// containers (up --build --no-deps SERVICE); with Prune the image it
// replaced goes when nothing uses or names it any more.
func (p *Project) rebuild(ctx context.Context, e *engine.Engine, svc string, o WatchOptions) error {
	var old []string
	if cs, err := p.Containers(e, false); err == nil {
		for _, c := range selected(cs, []string{svc}) {
			if !slices.Contains(old, c.ImageID) {
				old = append(old, c.ImageID)
			}
		}
	}
	up := o.Up
	up.Services, up.NoDeps, up.Build, up.NoStart = []string{svc}, true, BuildAlways, false
	if _, err := p.Up(ctx, e, up); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "service %q successfully built\n", svc)
	if o.Prune {
		for _, id := range old {
			// dangling only: refused while a container still uses it
			if img, err := image.Inspect(ctx, e, id); err == nil && len(img.RepoTags) == 0 {
				_, _ = image.Remove(ctx, e, id, image.RemoveOptions{})
			}
		}
	}
	return nil
}

// initialSync syncs the whole path of the rules that ask for it
// (initial_sync) before watching.
func (p *Project) initialSync(ctx context.Context, e *engine.Engine, rules []*watchRule, o WatchOptions) error {
	for _, r := range rules {
		if !r.InitialSync || r.Action == types.WatchActionRebuild || r.Action == types.WatchActionRestart {
			continue
		}
		cs, err := p.Containers(e, false)
		if err != nil {
			return err
		}
		for _, c := range selected(cs, []string{r.service}) {
			if err := syncInto(ctx, e, c, r, []string{"."}); err != nil {
				return fail(fmt.Errorf("service %q: initial sync of %s: %w", r.service, r.Path, err))
			}
		}
	}
	return nil
}

// execHook runs a sync+exec command in a container, its output on out.
func execHook(ctx context.Context, e *engine.Engine, c *container.Container, h types.ServiceHook, out io.Writer) error {
	env := []string{}
	for k, v := range h.Environment {
		if v != nil {
			env = append(env, k+"="+*v)
		}
	}
	code, err := container.Exec(ctx, e, c.ID, container.ExecOptions{
		Cmd: h.Command, Env: env, User: h.User, WorkingDir: h.WorkingDir, Privileged: h.Privileged,
		Stdout: out, Stderr: out,
	})
	if err != nil {
		return fmt.Errorf("running %v in %s: %w", []string(h.Command), c.Name, err)
	}
	if code != 0 {
		return fmt.Errorf("%v in %s exited with %d", []string(h.Command), c.Name, code)
	}
	return nil
}
