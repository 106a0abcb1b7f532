package image

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/flock"
	"github.com/skiff-containers/skiff/storage"
)

// A writeSession brackets an operation that adds layers and then an image
// (pull, load, import). go.podman.io/storage commits each layer as soon as
// it is complete and creates the image only at the end, so an operation
// that fails or is killed (kill -9) leaves no image, but may leave layers
// no image uses, and temporary files.
//
// Sessions hold <root>/skiff/image.lock shared while they work. Whoever
// gets it exclusively knows no session is in flight, and only then removes
// such leftovers: temporary files at the start of a session, unused layers
// after a failed one and in `image prune`. Code outside this package that
// creates layers before the image or container using them must hold the
// lock shared too (WithWriteLock).
type writeSession struct {
	lock *os.File
	tmp  string
	sys  *types.SystemContext
}

func lockFile(s *storage.Store) (*os.File, error) {
	return openLockFile(s, "image.lock")
}

// openLockFile opens (creating it) the lock file name in skiff's part of
// the storage root.
func openLockFile(s *storage.Store, name string) (*os.File, error) {
	dir := filepath.Join(s.GraphRoot(), "skiff")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
}

func tmpRoot(s *storage.Store) string {
	return filepath.Join(s.GraphRoot(), "skiff", "tmp")
}

// beginWrite starts a session. Its SystemContext puts image/v5's temporary
// files in a private directory of the storage root (same file system as
// the layers, cleaned up even after kill -9).
func beginWrite(s *storage.Store, sys *types.SystemContext) (*writeSession, error) {
	f, err := lockFile(s)
	if err != nil {
		return nil, fmt.Errorf("locking the image store: %w", err)
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
		_ = os.RemoveAll(tmpRoot(s)) // leftovers of killed sessions
		_ = os.RemoveAll(pinsDir(s)) // pins are held under the lock shared
	}
	if err := flock.Lock(f, unix.LOCK_SH, "the image store (a clean-up of it)"); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the image store: %w", err)
	}
	if err := os.MkdirAll(tmpRoot(s), 0o700); err != nil {
		f.Close()
		return nil, err
	}
	tmp, err := os.MkdirTemp(tmpRoot(s), "op-")
	if err != nil {
		f.Close()
		return nil, err
	}
	c := *withStoreCache(s, sys)
	c.BigFilesTemporaryDir = tmp
	return &writeSession{lock: f, tmp: tmp, sys: &c}, nil
}

// withStoreCache keeps image/v5's blob-info cache (which registry blobs
// match which local layers) beside skiff's store rather than in podman's
// directories.
func withStoreCache(s *storage.Store, sys *types.SystemContext) *types.SystemContext {
	if sys.BlobInfoCacheDir != "" {
		return sys
	}
	c := *sys
	c.BlobInfoCacheDir = filepath.Join(s.GraphRoot(), "skiff", "cache")
	_ = os.MkdirAll(c.BlobInfoCacheDir, 0o700)
	return &c
}

// end finishes the session; after a failure it removes unused layers when
// no other session is in flight.
func (w *writeSession) end(s *storage.Store, failed bool) {
	_ = os.RemoveAll(w.tmp)
	if failed && unix.Flock(int(w.lock.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
		_, _ = removeUnusedLayers(s)
	}
	w.lock.Close()
}

// WithWriteLock runs fn holding the image store's lock shared, so that no
// clean-up removes layers fn creates before it attaches them to an image
// or container.
func WithWriteLock(s *storage.Store, fn func() error) error {
	f, err := lockFile(s)
	if err != nil {
		return fmt.Errorf("locking the image store: %w", err)
	}
	defer f.Close()
	if err := flock.Lock(f, unix.LOCK_SH, "the image store (a clean-up of it)"); err != nil {
		return fmt.Errorf("locking the image store: %w", err)
	}
	return fn()
}

// removeUnusedLayers deletes layers that no image or container uses,
// directly or as a parent, and returns the bytes freed. The caller holds
// the lock exclusively.
func removeUnusedLayers(s *storage.Store) (int64, error) {
	byID, used, err := layerUse(s)
	if err != nil {
		return 0, err
	}
	return deleteLeavesFirst(s, byID, used), nil
}

// layerUse maps the store's layers and marks those an image or container
// uses, directly or as a parent.
func layerUse(s *storage.Store) (map[string]*cstorage.Layer, map[string]bool, error) {
	layers, err := s.Layers()
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*cstorage.Layer, len(layers))
	for i := range layers {
		byID[layers[i].ID] = &layers[i]
	}
	used := map[string]bool{}
	mark := func(id string) {
		for id != "" && !used[id] {
			used[id] = true
			if l := byID[id]; l != nil {
				id = l.Parent
			} else {
				id = ""
			}
		}
	}
	imgs, err := s.Images()
	if err != nil {
		return nil, nil, err
	}
	for _, img := range imgs {
		mark(img.TopLayer)
		for _, m := range img.MappedTopLayers {
			mark(m)
		}
	}
	ctrs, err := s.Containers()
	if err != nil {
		return nil, nil, err
	}
	for _, c := range ctrs {
		mark(c.LayerID)
	}
	return byID, used, nil
}

// UnusedLayers lists the layers no image or container uses (what a pull,
// load, build or commit that was killed leaves), for system check. busy
// is set when a session is in flight, whose layers are not yet attached
// to their image: nothing is listed then.
func UnusedLayers(s *storage.Store) (ids []string, busy bool, err error) {
	busy, err = whenIdle(s, func() error {
		byID, used, err := layerUse(s)
		if err != nil {
			return err
		}
		for id := range byID {
			if !used[id] {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		return nil
	})
	return ids, busy, err
}

// whenIdle runs fn holding image.lock exclusively, when no session (pull,
// load, build, commit) is in flight; busy, and fn not run, otherwise.
func whenIdle(s *storage.Store, fn func() error) (busy bool, err error) {
	f, err := lockFile(s)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return true, nil
	}
	return false, fn()
}

// RemoveUnusedLayers is system check --repair's part: it deletes the
// unused layers when no session is in flight (busy otherwise).
func RemoveUnusedLayers(s *storage.Store) (freed int64, busy bool, err error) {
	busy, err = whenIdle(s, func() (err error) {
		_ = os.RemoveAll(tmpRoot(s))
		freed, err = removeUnusedLayers(s)
		return err
	})
	return freed, busy, err
}

// deleteLeavesFirst deletes the unused layers, children before parents.
func deleteLeavesFirst(s *storage.Store, byID map[string]*cstorage.Layer, used map[string]bool) int64 {
	var freed int64
	for {
		children := map[string]int{}
		for _, l := range byID {
			if l.Parent != "" {
				children[l.Parent]++
			}
		}
		progress := false
		for id, l := range byID {
			if used[id] || children[id] > 0 {
				continue
			}
			if err := s.DeleteLayer(id); err != nil {
				used[id] = true // leave it; try the others
				continue
			}
			if l.UncompressedSize > 0 {
				freed += l.UncompressedSize
			}
			delete(byID, id)
			progress = true
		}
		if !progress {
			return freed
		}
	}
}
