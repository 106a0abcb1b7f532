package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// BuildOwner is the build process a RUN step belongs to: while it lives
// the step is its; once it is gone (kill -9) the step is a leftover.
type BuildOwner struct {
	Pid   int
	Start uint64
}

// StepOptions describe one RUN of a build: a container like run's (the
// same init, monitor and default network), with no record anyone sees.
type StepOptions struct {
	// Image is the ID of the image the step runs on (the previous step's).
	Image string
	// Argv is the command (shell form already wrapped in the SHELL); the
	// image's ENTRYPOINT does not apply.
	Argv []string
	// User and WorkingDir are the stage's USER and WORKDIR; Env is added
	// to the image's environment (the build args in scope).
	User, WorkingDir string
	Env              []string
	// Network is RUN --network: "" or "default" (the default bridge),
	// "none" or "host".
	Network string
	// Mounts are RUN --mount, as binds the builder prepared (cache
	// directories, secret files, other stages' trees).
	Mounts []mounts.Request
	// Stdout and Stderr receive the step's output.
	Stdout, Stderr io.Writer
}

// Step is a RUN step's container after it ran, kept until the builder has
// read its changes; Remove ends it.
type Step struct {
	c      *Container
	e      *engine.Engine
	marker string
	// targets are the --mount targets, left out of Changes.
	targets []string
}

// ID is the step container's ID (docker prints "Running in ID[:12]").
func (st *Step) ID() string { return st.c.ID }

// stepsDir holds one file per live step, named by its ID: SweepSteps
// finds leftovers there without reading every container record.
func stepsDir(e *engine.Engine) string { return e.StateDir("build-steps") }

// CreateStep creates a RUN step's container; Run runs it.
func CreateStep(ctx context.Context, e *engine.Engine, o StepOptions) (_ *Step, retErr error) {
	self := os.Getpid()
	start, _ := proc.StartTime(self)
	owner := &BuildOwner{Pid: self, Start: start}
	entry := ""
	network := o.Network
	if network == "default" {
		network = ""
	}
	co := CreateOptions{
		Spec: spec.Options{
			Image: o.Image, Command: o.Argv, Entrypoint: &entry, User: o.User,
			WorkingDir: o.WorkingDir, Env: o.Env,
		},
		NetworkMode:  network,
		Pull:         image.EnsureOptions{Policy: image.PullNever}, // the builder resolved it
		MountOptions: MountOptions{Requests: o.Mounts, NoImageVolumes: true},
		Streams:      Streams{Stdout: true, Stderr: true},
		buildOwner:   owner,
	}
	c, err := Create(ctx, e, co)
	if err != nil {
		return nil, err
	}
	st := &Step{c: c, e: e}
	for _, m := range o.Mounts {
		st.targets = append(st.targets, filepath.Clean(m.Target))
	}
	if err := os.MkdirAll(stepsDir(e), 0o700); err != nil {
		st.Remove()
		return nil, err
	}
	st.marker = filepath.Join(stepsDir(e), c.ID)
	if err := os.WriteFile(st.marker, []byte(strconv.Itoa(self)), 0o600); err != nil {
		st.Remove()
		return nil, err
	}
	return st, nil
}

// Run starts the step attached and waits for its exit code. A cancelled
// ctx kills it.
func (st *Step) Run(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	code, err := st.c.startAttached(ctx, &AttachOptions{Stdout: stdout, Stderr: stderr})
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		st.Remove()
	}
	return code, err
}

// Changes opens the step's changes to its image as a tar (skiff's own
// mount points and the --mount targets left out). The store stays locked
// for reading until it is closed.
func (st *Step) Changes() (io.ReadCloser, error) {
	s, err := st.e.Store()
	if err != nil {
		return nil, err
	}
	sc, err := s.Container(st.c.ID)
	if err != nil {
		return nil, fmt.Errorf("reading the changes of step %s: %w", st.c.ShortID(), err)
	}
	uncompressed := archive.Uncompressed
	diff, err := s.Diff("", sc.LayerID, &cstorage.DiffOptions{Compression: &uncompressed})
	if err != nil {
		return nil, fmt.Errorf("reading the changes of step %s: %w", st.c.ShortID(), err)
	}
	pr, pw := io.Pipe()
	go func() {
		err := filterLayerTar(pw, diff, st.targets...)
		diff.Close()
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// Remove deletes the step's container: process, mounts, network, layer
// and record.
func (st *Step) Remove() {
	_ = Remove(st.e, st.c.ID, RemoveOptions{Force: true})
	if st.marker != "" {
		os.Remove(st.marker)
	}
}

// SweepSteps removes the RUN steps of builds that died (kill -9) before
// removing them. Steps of live builds stay.
func SweepSteps(e *engine.Engine) {
	ents, err := os.ReadDir(stepsDir(e))
	if err != nil {
		return
	}
	for _, ent := range ents {
		id := ent.Name()
		if strings.Contains(id, ".") {
			continue
		}
		c, err := load(e, id)
		if err == nil && c.BuildStep != nil && proc.Alive(c.BuildStep.Pid, c.BuildStep.Start) {
			continue
		}
		if err == nil {
			_ = Remove(e, id, RemoveOptions{Force: true})
		}
		os.Remove(filepath.Join(stepsDir(e), id))
	}
}
