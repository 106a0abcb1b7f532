package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/flock"
	"github.com/skiff-containers/skiff/storage"
)

// An image's names change by many commands at once: pull and load name
// the image they wrote, tag adds a name, rmi removes one and deletes the
// image with its last, commit/import/build name what they made, prune
// deletes images without names. go.podman.io/storage makes each AddNames
// or RemoveNames atomic, but a decision taken on names read earlier is not:
// two rmi of the two tags of one image each read both names, each removed
// its own and each kept the image for the other's name, which left it
// untagged (<none>); an rmi that saw its tag as the last deleted the image
// a pull had just given another tag.
//
// So every change of names, and every "no name left: delete the image",
// happens holding <root>/skiff/names.lock exclusively, on the image read
// again under it. Lock order: image.lock (sessions, shared), an image's
// pin, names.lock; only non-blocking attempts go against that order.
//
// A pull or load does not hold names.lock while it downloads or applies
// layers; the storage library names the image inside copy.Image, outside
// skiff's lock. What keeps an rmi from deleting the image under it is a
// pin: <root>/skiff/pins/<image ID>, locked shared by every pull or load
// writing that image, from before it looks for the image's layers until
// it has named the image under names.lock. An rmi (or prune) that leaves
// an image without a name deletes it only when it can lock its pin
// exclusively; otherwise the pull that holds the pin names it a moment
// later. A pull that fails deletes the image it pinned when it has no
// name and nothing else pins or uses it.

// withNames runs fn holding names.lock exclusively.
func withNames(s *storage.Store, fn func() error) error {
	return withNamesLock(s, unix.LOCK_EX, fn)
}

// withNamesShared runs fn holding names.lock shared: no name changes and
// no image deletion for rmi or prune meanwhile (a pull whose image ID is
// not known before copy.Image names it).
func withNamesShared(s *storage.Store, fn func() error) error {
	return withNamesLock(s, unix.LOCK_SH, fn)
}

// withNamesLock runs fn holding names.lock as how says (LOCK_EX, LOCK_SH).
func withNamesLock(s *storage.Store, how int, fn func() error) error {
	f, err := openLockFile(s, "names.lock")
	if err != nil {
		return fmt.Errorf("locking the image names: %w", err)
	}
	defer f.Close()
	if err := flock.Lock(f, how, "the image names"); err != nil {
		return fmt.Errorf("locking the image names: %w", err)
	}
	return fn()
}

func pinsDir(s *storage.Store) string {
	return filepath.Join(s.GraphRoot(), "skiff", "pins")
}

// A pin is a lock on one image ID's pin file.
type pin struct {
	f    *os.File
	path string
}

// openPin opens and locks (how, possibly non-blocking) the pin file of
// id, again if it was removed meanwhile, so that the lock held is on the
// file the path names.
func openPin(s *storage.Store, id string, how int) (*pin, error) {
	if err := os.MkdirAll(pinsDir(s), 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(pinsDir(s), id)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		if how&unix.LOCK_NB != 0 {
			err = unix.Flock(int(f.Fd()), how)
		} else {
			err = flock.Lock(f, how, "image "+ShortID(id)+" (its removal)")
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		var held, named unix.Stat_t
		if unix.Fstat(int(f.Fd()), &held) == nil && unix.Stat(path, &named) == nil && held.Ino == named.Ino && held.Dev == named.Dev {
			return &pin{f: f, path: path}, nil
		}
		f.Close() // removed by its last holder meanwhile
	}
}

// pinImage pins id for a pull or load writing it.
func pinImage(s *storage.Store, id string) (*pin, error) {
	p, err := openPin(s, id, unix.LOCK_SH)
	if err != nil {
		return nil, fmt.Errorf("pinning image %s: %w", ShortID(id), err)
	}
	return p, nil
}

// release drops the pin; the last holder removes the file. (A failed
// conversion to exclusive drops the shared lock too; of holders releasing
// at once, the last to try gets it.)
func (p *pin) release() {
	if p == nil {
		return
	}
	if unix.Flock(int(p.f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
		_ = os.Remove(p.path)
	}
	p.f.Close()
}

// deleteUnpinned deletes the image id, which the caller found without a
// name, holding names.lock, unless a pull or load pins it (ok false then).
// The caller holds image.lock shared, so that no clean-up removes pin
// files meanwhile.
func deleteUnpinned(s *storage.Store, id string) (layers []string, ok bool, err error) {
	p, err := openPin(s, id, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer p.release()
	layers, err = s.DeleteImage(id, true)
	return layers, err == nil, err
}

// nameImage gives the image id, which the caller pins, names (a pull's or
// load's last step) under names.lock.
func nameImage(s *storage.Store, id string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	return withNames(s, func() error { return s.AddNames(id, names) })
}

// dropUnnamed is a failed pull's or load's clean-up of the image it
// pinned: deleted when it has no name, no container uses it and nothing
// else pins it.
func dropUnnamed(s *storage.Store, p *pin, id string) {
	_ = withNames(s, func() error {
		img, err := s.Image(id)
		if err != nil || len(img.Names) > 0 {
			return nil
		}
		if unix.Flock(int(p.f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			return nil // another pull of it is under way
		}
		_, err = s.DeleteImage(id, true)
		if errors.Is(err, cstorage.ErrImageUsedByContainer) {
			return nil
		}
		return err
	})
}

// A KilledPull is what a pull or load killed before it named its image
// leaves: its pin file, held by nobody, and the image it pinned when that
// has no name (an rmi took its last name meanwhile; the pull would have
// named it) and no container uses it.
type KilledPull struct {
	ID      string
	Unnamed bool // the image is there without a name
}

// KilledPulls lists them for system check; with repair it deletes each
// unnamed image and the pin file. Only when no session is in flight
// (busy otherwise), because a running pull's pins and nameless image are
// its work in progress.
func KilledPulls(s *storage.Store, repair bool) (found []KilledPull, busy bool, err error) {
	busy, err = whenIdle(s, func() error {
		entries, err := os.ReadDir(pinsDir(s))
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		return withNames(s, func() error {
			for _, e := range entries {
				k := KilledPull{ID: e.Name()}
				if img, ierr := s.Image(k.ID); ierr == nil && len(img.Names) == 0 {
					k.Unnamed = true
				}
				if repair {
					if k.Unnamed {
						_, derr := s.DeleteImage(k.ID, true)
						if derr != nil && !errors.Is(derr, cstorage.ErrImageUsedByContainer) {
							return fmt.Errorf("deleting image %s: %w", ShortID(k.ID), derr)
						}
					}
					if rerr := os.Remove(filepath.Join(pinsDir(s), k.ID)); rerr != nil && !os.IsNotExist(rerr) {
						return rerr
					}
				}
				found = append(found, k)
			}
			return nil
		})
	})
	return found, busy, err
}
