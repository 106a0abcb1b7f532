package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/types"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/hostcheck"
)

// Options say where the store lives and how to open it. Zero values take
// the defaults of DefaultOptions.
type Options struct {
	Root    string // persistent data (--root)
	RunRoot string // state that must not survive a reboot (--runroot)
	Driver  string // --storage-driver; "" chooses one
	// Rootless is true when running inside a user namespace; SingleID when
	// that namespace maps only one uid and gid (no subuid range).
	Rootless bool
	SingleID bool
}

// Store is an open go.podman.io/storage store with the facts `info` reports.
type Store struct {
	cstorage.Store
	Driver       string // driver in use
	DriverReason string // why it was chosen
	Options      Options
}

// Open opens (creating if needed) the store described by opts.
func Open(opts Options) (*Store, error) {
	if opts.Root == "" || opts.RunRoot == "" {
		return nil, fmt.Errorf("storage root and run root must be set")
	}
	driver, reason := ChooseDriver(opts)
	so := types.StoreOptions{
		GraphRoot:       opts.Root,
		RunRoot:         filepath.Join(opts.RunRoot, "storage"),
		GraphDriverName: driver,
	}
	switch {
	case driver == "overlay" && strings.HasPrefix(reason, prefixFuse):
		so.GraphDriverOptions = append(so.GraphDriverOptions, "overlay.mount_program="+hostcheck.FuseOverlayfs())
	case driver == "overlay":
		so.GraphDriverOptions = append(so.GraphDriverOptions, "overlay.mountopt=nodev")
	}
	if opts.SingleID {
		so.GraphDriverOptions = append(so.GraphDriverOptions, driver+".ignore_chown_errors=true")
	}
	if driver == "overlay" {
		noIDMapProbe()
	}
	s, err := cstorage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s with driver %s: %w", opts.Root, driver, err)
	}
	spreadLayers(s.GraphRoot(), driver)
	if driver == "vfs" && strings.HasPrefix(reason, prefixVFS) {
		// a new store that overlay cannot serve: said once, as it is made
		// (later opens find vfs data and keep it), with the fix
		for _, f := range hostcheck.Storage(opts.Rootless, opts.Root).Findings {
			fmt.Fprintln(os.Stderr, "WARNING: "+f.String())
		}
	}
	return &Store{Store: s, Driver: driver, DriverReason: reason, Options: opts}, nil
}

// noIDMapProbe turns off the overlay driver's probe for ID-mapped lower
// layers (its documented switch is the environment variable). skiff never
// gives storage ID mappings, so the answer is of no use to it, and the
// probe forks the Go process with a raw clone(2) (the storage library's
// idmap.CreateUsernsProcess): the child, a copy of a multi-threaded Go
// runtime with one thread, can spin forever in the scheduler, and when the
// parent is killed meanwhile (kill -9 of the first pull after a boot) it
// stays, using a CPU and holding the parent's open locks (image.lock),
// which keeps every later clean-up from running. Found by TestPullKilled.
func noIDMapProbe() {
	const name = "_CONTAINERS_OVERLAY_DISABLE_IDMAP"
	if os.Getenv(name) == "" {
		_ = os.Setenv(name, "yes")
	}
}

// fsTopdirFlag is FS_TOPDIR_FL (linux/fs.h), which x/sys/unix lacks.
const fsTopdirFlag = 0x20000

// spreadLayers marks the directory holding the driver's layer directories
// as the top of directory hierarchies (chattr +T), where ext4 has it: its
// allocator then places each new layer's tree in a block group of its own
// with free inodes, instead of the group of the store's parent, where a
// busy /tmp or home holds thousands of just-deleted inodes that ext4
// without a journal walks past, one lookup each, for every file it
// creates (measured: a third of the CPU time of a Debian pull on the test
// machine). Layers are independent trees, which is what the flag is
// for. Elsewhere (no such flag, or a store on tmpfs, XFS, btrfs) this does
// nothing.
func spreadLayers(graphRoot, driver string) {
	dir := filepath.Join(graphRoot, driver)
	if driver == "vfs" {
		dir = filepath.Join(dir, "dir")
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil || flags&fsTopdirFlag != 0 {
		return
	}
	_ = unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags|fsTopdirFlag))
}

// Close releases the store; mounts stay as they are.
func (s *Store) Close() {
	_, _ = s.Shutdown(false)
}

const (
	reasonFlag     = "chosen with --storage-driver"
	reasonExisting = "the store already holds data of this driver"
	reasonNative   = "native overlay: the kernel supports overlay mounts in a user namespace (5.11 or later)"
	reasonRoot     = "native overlay"
	prefixFuse     = "fuse-overlayfs: "
	prefixVFS      = "vfs: "
)

// ChooseDriver picks the storage driver and says why: the flag, else the
// driver whose data already is in the root, else the best the host offers
// (hostcheck.NativeOverlay says whether the kernel's overlay serves this
// root; fuse-overlayfs stands in where it does not).
func ChooseDriver(opts Options) (driver, reason string) {
	if opts.Driver != "" {
		if opts.Driver == "overlay2" {
			opts.Driver = "overlay"
		}
		return opts.Driver, reasonFlag
	}
	for _, d := range []string{"overlay", "vfs"} {
		if _, err := os.Stat(filepath.Join(opts.Root, d+"-layers")); err == nil {
			if d != "overlay" {
				return d, reasonExisting
			}
			if why := hostcheck.OverlayBlocked(opts.Rootless, opts.Root); why != "" && hostcheck.FuseOverlayfs() != "" {
				return d, prefixFuse + why
			}
			return d, reasonExisting
		}
	}
	native, why := hostcheck.NativeOverlay(opts.Rootless, opts.Root)
	fuse := !native && hostcheck.FuseOverlayfs() != ""
	switch {
	case native && opts.Rootless:
		return "overlay", reasonNative
	case native:
		return "overlay", reasonRoot
	case fuse:
		return "overlay", prefixFuse + why
	}
	return "vfs", prefixVFS + why + ", and no usable fuse-overlayfs (see skiff system check)"
}
