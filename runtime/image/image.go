// Package image is skiff's image verbs, the ones the CLI, builds and
// (later) compose call: pull, push, tag, remove, prune, load, import,
// save, commit, and the read-only lookup, list, history and inspect. Each
// verb is one function taking the engine: it opens the store, calls
// storage/image (which holds the image lock while it writes) and records
// the verb's event, so every caller gets the same behaviour. Progress goes
// to the io.Writer in the options; nothing here assumes a terminal.
//
// The types of storage/image that callers see are aliased here, so the
// command line needs no storage import. It must not import commands or
// runtime/container.
package image

import (
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/runtime/engine"
	simage "github.com/skiff-containers/skiff/storage/image"
)

// Types of storage/image that callers of these verbs handle.
type (
	// Image is an image in the store with its decoded configuration.
	Image = simage.Image
	// Summary is one image as `images` lists it.
	Summary = simage.Summary
	// RepoTag is one repository:tag name of an image.
	RepoTag = simage.RepoTag
	// HistoryEntry is one step of an image's history.
	HistoryEntry = simage.HistoryEntry
	// InspectReport is docker's `image inspect` object.
	InspectReport = simage.InspectReport
	// Filters are parsed --filter values for images.
	Filters = simage.Filters
	// LoadReport lists what a load stored.
	LoadReport = simage.LoadReport
	// RemoveReport lists what a removal untagged and deleted.
	RemoveReport = simage.RemoveReport
	// PruneReport is what a prune removed.
	PruneReport = simage.PruneReport
	// PushReport says what was pushed.
	PushReport = simage.PushReport
	// LoginOptions are the credentials `login` checks and stores.
	LoginOptions = simage.LoginOptions
)

// Archive formats of save.
const (
	FormatDockerArchive = simage.FormatDockerArchive
	FormatOCIArchive    = simage.FormatOCIArchive
)

// sysContext is the engine's registry context, with a caller's
// --tls-verify when it gave one.
func sysContext(e *engine.Engine, tlsVerify *bool) *types.SystemContext {
	o := e.Config.System
	if tlsVerify != nil {
		o.TLSVerify = tlsVerify
	}
	return simage.SystemContext(o)
}

// ShortID is the 12-character form of an image ID docker prints.
func ShortID(id string) string { return simage.ShortID(id) }

// Tags are the repository:tag names among an image's stored names.
func Tags(names []string) []RepoTag { return simage.Tags(names) }

// CheckTag checks a name given to an image (`tag`, `build -t`,
// `commit`, `import`): REPOSITORY[:TAG], no digest.
func CheckTag(name string) error {
	_, err := simage.NormalizeTag(name)
	return err
}
