package image

import (
	"context"
	"io"

	"github.com/skiff-containers/skiff/runtime/engine"
	simage "github.com/skiff-containers/skiff/storage/image"
)

// PushOptions are the choices of one push.
type PushOptions struct {
	// Quiet suppresses the progress output.
	Quiet bool
	// Progress receives docker's push output. nil writes nothing.
	Progress io.Writer
	// AllTags pushes every local tag of the repository (push -a).
	AllTags bool
	// TLSVerify overrides the registry's TLS verification (--tls-verify).
	TLSVerify *bool
}

// Push copies the local image name to the registry its name points at.
func Push(ctx context.Context, e *engine.Engine, name string, o PushOptions) ([]PushReport, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	return simage.Push(ctx, s, sysContext(e, o.TLSVerify), name, simage.PushOptions{
		Quiet: o.Quiet, Progress: o.Progress, AllTags: o.AllTags,
	})
}

// LoadOptions say where `load` reads.
type LoadOptions struct {
	// Path is the archive (docker-archive or oci-archive, optionally
	// compressed); when "", Input is read.
	Path  string
	Input io.Reader
	// Progress receives "Loading layer" bars when it is a terminal.
	Progress io.Writer
}

// Load stores the images of an archive; a truncated or corrupt archive
// stores nothing.
func Load(ctx context.Context, e *engine.Engine, o LoadOptions) (*LoadReport, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	return simage.Load(ctx, s, e.SystemContext(), simage.LoadOptions{Path: o.Path, Input: o.Input, Progress: o.Progress})
}

// ImportOptions are the choices of `import`.
type ImportOptions struct {
	// Source is a tar file (optionally compressed), an http(s) URL, or "-"
	// for Stdin.
	Source string
	Stdin  io.Reader
	// Reference names the new image (REPOSITORY[:TAG]); "" leaves it
	// untagged.
	Reference string
	// Changes are Dockerfile instructions applied to the configuration.
	Changes []string
	// Message is the commit message; Platform "os/arch[/variant]".
	Message, Platform string
}

// Import creates a one-layer image from a root file system tarball.
func Import(ctx context.Context, e *engine.Engine, o ImportOptions) (*Image, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	return simage.Import(ctx, s, e.SystemContext(), simage.ImportOptions{
		Source: o.Source, Stdin: o.Stdin, Reference: o.Reference,
		Changes: o.Changes, Message: o.Message, Platform: o.Platform,
	})
}

// SaveOptions say where and how `save` writes.
type SaveOptions struct {
	// Format is FormatDockerArchive (default) or FormatOCIArchive.
	Format string
	// Path is the file to write (replaced atomically); when "", the
	// archive goes to Output.
	Path   string
	Output io.Writer
}

// Save writes the images to one archive.
func Save(ctx context.Context, e *engine.Engine, names []string, o SaveOptions) error {
	s, err := e.Store()
	if err != nil {
		return err
	}
	return simage.Save(ctx, s, e.SystemContext(), names, simage.SaveOptions{Format: o.Format, Path: o.Path, Output: o.Output})
}

// CommitOptions describe an image made from a layer of changes on a
// parent image (commit, and a build's steps).
type CommitOptions = simage.CommitOptions

// Commit stores a new image: the parent's layers plus the one OpenLayer
// gives, written whole or not at all.
func Commit(ctx context.Context, e *engine.Engine, o CommitOptions) (*Image, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	return simage.Commit(ctx, s, e.SystemContext(), o)
}
