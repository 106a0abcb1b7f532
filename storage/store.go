package storage

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/types"
	"golang.org/x/sys/unix"
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
	case driver == "overlay" && reason == reasonFuse:
		so.GraphDriverOptions = append(so.GraphDriverOptions, "overlay.mount_program="+fuseOverlayfs())
	case driver == "overlay":
		so.GraphDriverOptions = append(so.GraphDriverOptions, "overlay.mountopt=nodev")
	}
	if opts.SingleID {
		so.GraphDriverOptions = append(so.GraphDriverOptions, driver+".ignore_chown_errors=true")
	}
	s, err := cstorage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s with driver %s: %w", opts.Root, driver, err)
	}
	return &Store{Store: s, Driver: driver, DriverReason: reason, Options: opts}, nil
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
	reasonFuse     = "fuse-overlayfs: the kernel is older than 5.11, so overlay needs FUSE in a user namespace"
	reasonVFS      = "vfs: neither native overlay nor a usable fuse-overlayfs (/dev/fuse readable and writable) is available"
)

// ChooseDriver picks the storage driver and says why: the flag, else the
// driver whose data already is in the root, else the best the kernel
// offers.
func ChooseDriver(opts Options) (driver, reason string) {
	if opts.Driver != "" {
		if opts.Driver == "overlay2" {
			opts.Driver = "overlay"
		}
		return opts.Driver, reasonFlag
	}
	for _, d := range []string{"overlay", "vfs"} {
		if _, err := os.Stat(filepath.Join(opts.Root, d+"-layers")); err == nil {
			if d == "overlay" && opts.Rootless && !kernelAtLeast(5, 11) && fuseOverlayfs() != "" {
				return d, reasonFuse
			}
			return d, reasonExisting
		}
	}
	if !overlaySupported() {
		return "vfs", reasonVFS
	}
	if !opts.Rootless {
		return "overlay", reasonRoot
	}
	if kernelAtLeast(5, 11) {
		return "overlay", reasonNative
	}
	if fuseOverlayfs() != "" {
		return "overlay", reasonFuse
	}
	return "vfs", reasonVFS
}

func overlaySupported() bool {
	b, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return false
	}
	if bytes.Contains(b, []byte("\toverlay\n")) {
		return true
	}
	// The module may just not be loaded yet; mount(8) would load it.
	_, err = os.Stat("/sys/module/overlay")
	return err == nil
}

// fuseOverlayfs is the path of a usable fuse-overlayfs, or "".
func fuseOverlayfs() string {
	p, err := exec.LookPath("fuse-overlayfs")
	if err != nil {
		return ""
	}
	if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err == nil {
		f.Close()
		return p
	}
	return ""
}

func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return false
	}
	var ma, mi int
	if _, err := fmt.Sscanf(strings.TrimRight(string(u.Release[:]), "\x00"), "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
