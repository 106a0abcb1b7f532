// Package engine holds what every skiff operation needs about the user's
// setup: where the store lives, how to reach registries, whether skiff runs
// rootless. It opens the store lazily, so a command that never touches
// storage never pays for it.
//
// It sits at the bottom of runtime: every verb of runtime/ (container,
// image, volume, network, system) takes an *Engine; storage, netns and
// rootless never see it, and it imports nothing else of runtime.
package engine

import (
	"path/filepath"
	"sync"

	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/storage"
	"github.com/skiff-containers/skiff/storage/image"
)

// Config is the engine's configuration, from global flags and defaults.
type Config struct {
	Storage StorageOptions
	System  RegistryOptions
	// NoEvents records no event (podman's --events-backend none); the
	// monitor's roles inherit it with the rest of the configuration.
	NoEvents bool `json:",omitempty"`
	// CgroupManager is --cgroup-manager: "" (systemd for rootless on
	// cgroup v2 when the user's systemd manager answers, else cgroupfs),
	// "cgroupfs" or "systemd".
	CgroupManager string `json:",omitempty"`
}

// StorageOptions say where and how the store is opened (--root,
// --runroot, --storage-driver, rootless or not).
type StorageOptions = storage.Options

// RegistryOptions say how registries are reached (registries.conf, the
// auth file, TLS verification).
type RegistryOptions = image.SystemOptions

// Engine is one command's view of the user's skiff installation.
type Engine struct {
	Config Config

	once  sync.Once
	store *storage.Store
	err   error
}

// New returns an engine for cfg; nothing is opened yet.
func New(cfg Config) *Engine {
	return &Engine{Config: cfg}
}

// Store opens the image and layer store on first use.
func (e *Engine) Store() (*storage.Store, error) {
	e.once.Do(func() {
		e.store, e.err = storage.Open(e.Config.Storage)
	})
	return e.store, e.err
}

// SystemContext is the registry context for image operations.
func (e *Engine) SystemContext() *types.SystemContext {
	return image.SystemContext(e.Config.System)
}

// Rootless reports whether skiff runs for an unprivileged user.
func (e *Engine) Rootless() bool { return e.Config.Storage.Rootless }

// Root is the persistent root (--root).
func (e *Engine) Root() string { return e.Config.Storage.Root }

// RunRoot is the runtime state root (--runroot).
func (e *Engine) RunRoot() string { return e.Config.Storage.RunRoot }

// StateDir is where skiff keeps its own persistent records (containers,
// volumes, networks) beside go.podman.io/storage's.
func (e *Engine) StateDir(parts ...string) string {
	return filepath.Join(append([]string{e.Root(), "skiff"}, parts...)...)
}

// RunDir is where skiff keeps runtime state that must not survive a reboot.
func (e *Engine) RunDir(parts ...string) string {
	return filepath.Join(append([]string{e.RunRoot(), "skiff"}, parts...)...)
}

// Close releases the store if it was opened.
func (e *Engine) Close() {
	if e.store != nil {
		e.store.Close()
	}
}
