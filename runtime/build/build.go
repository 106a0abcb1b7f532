// Package build runs Dockerfile builds: it reads the Dockerfile
// (runtime/build/dockerfile) and the context (runtime/build/buildctx),
// builds the stages the target needs (independent ones in parallel),
// runs RUN steps through runtime/container (the same init, monitor and
// network as `run`), writes COPY and ADD layers straight from their
// sources, stores one image per step and keeps a cache index of them.
//
// It must not import commands; it writes only to the writers in Options.
package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/build/buildctx"
	"github.com/skiff-containers/skiff/runtime/build/dockerfile"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	rimage "github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/storage/image"
)

// Options are build's flags.
type Options struct {
	// Context is a directory, a tar file, or "-" (a tar on Stdin).
	Context string
	Stdin   io.Reader
	// Dockerfile is -f: "" (CONTEXT/Dockerfile), "-" (Stdin), or a path.
	Dockerfile string
	// Tags are -t names, already checked (NormalizeTag).
	Tags []string
	// BuildArgs are --build-arg values (KEY alone was resolved from the
	// environment by the caller).
	BuildArgs map[string]string
	Target    string
	NoCache   bool
	// Pull pulls every base image even when it is present.
	Pull bool
	// Labels are --label, set on the final image.
	Labels map[string]string
	// Network is --network for RUN steps: "" or "default", "none",
	// "host", or a bridge network's name.
	Network string
	// Secrets are --secret values by id.
	Secrets map[string][]byte
	// OCI stores images in OCI's format; else docker schema 2.
	OCI bool
	// Out receives docker's classic build output (nil: none, -q); Warn
	// receives warnings and notices.
	Out, Warn io.Writer
	// PullOptions say how base images (FROM, COPY --from, RUN --mount
	// from=) are pulled when missing or with --pull: where the progress
	// goes.
	PullOptions rimage.PullOptions
}

// Report is a finished build.
type Report struct {
	// ID is the final image's full ID.
	ID   string
	Tags []string
}

// Build runs the build. Every error is a build failure (docker's exit
// status 1); nothing it made is left behind but the cache.
func Build(ctx context.Context, e *engine.Engine, o Options) (*Report, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	if o.Dockerfile == "-" && o.Context == "-" {
		return nil, errdefs.Invalid("the Dockerfile and the context cannot both be read from standard input")
	}
	b := &builder{o: o, e: e, usedArgs: map[string]bool{}}
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	// The session (the image store's lock, shared) spans the build: no
	// clean-up removes a step's layer before its image exists, and its
	// temporary directory (an unpacked tar context, downloads) goes with
	// it, even after kill -9.
	sess, err := image.BeginSession(s, e.SystemContext())
	if err != nil {
		return nil, err
	}
	b.im = &images{e: e, s: s, sess: sess, pull: o.PullOptions}
	b.tmp = sess.TempDir()
	rep, err := b.run(ctx)
	sess.End(err != nil)
	return rep, err
}

func (b *builder) run(ctx context.Context) (*Report, error) {
	if err := b.open(); err != nil {
		return nil, err
	}
	defer b.bctx.Close()
	defer os.RemoveAll(b.e.RunDir("build", strconv.Itoa(os.Getpid())))
	container.SweepSteps(b.e)
	return b.build(ctx)
}

// builder is one build's shared state; stages read it and report into
// results.
type builder struct {
	o    Options
	e    *engine.Engine
	bctx *buildctx.Context
	df   *dockerfile.File
	im   *images
	// cache is nil with --no-cache for lookups (entries are still written
	// through put).
	cache  *cache
	global *dockerfile.Scope
	tmp    string

	mu       sync.Mutex
	usedArgs map[string]bool
	results  map[int]*stageResult
}

// stageResult is a stage's final image, once done is closed.
type stageResult struct {
	done chan struct{}
	st   *state
	err  error
}

// open reads the context and the Dockerfile.
func (b *builder) open() error {
	var dfData []byte
	if b.o.Dockerfile == "-" {
		data, err := io.ReadAll(b.o.Stdin)
		if err != nil {
			return fmt.Errorf("reading the Dockerfile from standard input: %w", err)
		}
		dfData = data
	}
	statCache := ""
	if abs, err := filepath.Abs(b.o.Context); err == nil && b.o.Context != "-" {
		sum := sha256.Sum256([]byte(abs))
		statCache = b.e.StateDir("build", "stat", hex.EncodeToString(sum[:8])+".json")
	}
	bctx, err := buildctx.Open(buildctx.OpenOptions{
		Path: b.o.Context, Stdin: b.o.Stdin, Dockerfile: b.o.Dockerfile, DockerfileData: dfData,
		TempDir: b.tmp, StatCache: statCache,
	})
	if err != nil {
		return err
	}
	b.bctx = bctx
	df, err := dockerfile.Parse(bctx.Dockerfile, bctx.DockerfileName)
	if err != nil {
		bctx.Close()
		return err
	}
	b.df = df
	if df.Syntax != "" {
		fmt.Fprintf(b.o.Warn, "NOTICE: the syntax directive (%s) names a frontend image; skiff reads the Dockerfile with its own builder\n", df.Syntax)
	}
	for _, w := range df.Warnings {
		fmt.Fprintf(b.o.Warn, "[WARNING]: %s\n", w)
	}
	b.cache = &cache{dir: b.e.StateDir("build", "cache")}
	return nil
}

// build plans the stages, runs them and tags the result.
func (b *builder) build(ctx context.Context) (*Report, error) {
	if err := b.globalScope(); err != nil {
		return nil, err
	}
	target, err := b.df.Target(b.o.Target)
	if err != nil {
		return nil, err
	}
	expandGlobal := dockerfile.Expander(b.df.Escape, nil, b.global)
	stages, err := b.df.Needed(target, expandGlobal)
	if err != nil {
		return nil, err
	}
	extra := 0
	if len(b.o.Labels) > 0 {
		extra = 1 // docker's classic builder counts --label as a last LABEL step
	}
	total := dockerfile.Steps(stages) + extra
	seq := newSequencer(b.o.Out, len(stages))
	b.results = map[int]*stageResult{}
	for _, st := range stages {
		b.results[st.Index] = &stageResult{done: make(chan struct{})}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	first := 1
	for i, st := range stages {
		x := &stageRun{b: b, st: st, out: seq.writer(i), step: first, total: total, last: st == target}
		first += 1 + len(st.Commands)
		go func(i int) {
			res := b.results[x.st.Index]
			res.st, res.err = x.run(ctx)
			if res.err != nil {
				cancel()
			}
			close(res.done)
			seq.finish(i)
		}(i)
	}
	var firstErr error
	for _, st := range stages {
		res := b.results[st.Index]
		<-res.done
		if res.err != nil && (firstErr == nil || errors.Is(firstErr, context.Canceled)) {
			firstErr = res.err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	final := b.results[target.Index].st
	b.warnUnusedArgs()
	return b.finish(final)
}

// globalScope declares the ARGs before the first FROM.
func (b *builder) globalScope() error {
	b.global = dockerfile.NewScope()
	for k, v := range dockerfile.PlatformArgs() {
		b.global.Set(k, v)
	}
	for i := range b.df.MetaArgs {
		a := &b.df.MetaArgs[i]
		if err := b.global.Declare(a, b.o.BuildArgs, nil, dockerfile.Expander(b.df.Escape, nil, b.global), b.usedArgs); err != nil {
			return dockerfile.Errorf(b.df.Name, a, "%v", err)
		}
	}
	return nil
}

// warnUnusedArgs says which --build-arg values no ARG consumed, as
// docker does.
func (b *builder) warnUnusedArgs() {
	var unused []string
	for k := range b.o.BuildArgs {
		if !b.usedArgs[k] && !isProxyArg(k) {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		sortStrings(unused)
		fmt.Fprintf(b.o.Warn, "[Warning] One or more build-args %v were not consumed\n", unused)
	}
}

// finish tags the final image and prints docker's closing lines.
func (b *builder) finish(final *state) (*Report, error) {
	rep := &Report{ID: final.id}
	for _, t := range b.o.Tags {
		named, err := normalizeTag(t)
		if err != nil {
			return nil, err
		}
		if err := b.im.tag(final.id, named); err != nil {
			return nil, err
		}
		rep.Tags = append(rep.Tags, familiar(named))
	}
	fmt.Fprintf(b.o.Out, "Successfully built %s\n", final.id[:12])
	for _, t := range rep.Tags {
		fmt.Fprintf(b.o.Out, "Successfully tagged %s\n", t)
	}
	return rep, nil
}

// stageOf waits for another stage's result.
func (b *builder) stageOf(ctx context.Context, index int) (*state, error) {
	res, ok := b.results[index]
	if !ok {
		return nil, fmt.Errorf("stage %d is not part of this build", index)
	}
	select {
	case <-res.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if res.err != nil {
		return nil, context.Canceled // that stage reports its own error
	}
	return res.st, nil
}

func (b *builder) markUsed(name string) {
	b.mu.Lock()
	b.usedArgs[name] = true
	b.mu.Unlock()
}
