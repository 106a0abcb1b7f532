package hostcheck

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Storage checks that the store at root can use overlay: the kernel's, or
// fuse-overlayfs where the kernel's cannot serve (rootless before 5.11, a
// root on overlayfs). Without either skiff uses vfs, which copies every
// layer.
func Storage(rootless bool, root string) Result {
	r := Result{Check: "storage (overlay)"}
	ok, why := NativeOverlay(rootless, root)
	if ok || FuseOverlayfs() != "" {
		return r
	}
	fix := "run as root: apt-get install fuse-overlayfs && chmod 0666 /dev/fuse"
	switch {
	case !OverlaySupported():
		fix = "run as root: modprobe overlay && echo overlay >> /etc/modules"
	case onOverlayfs(root):
		fix += fmt.Sprintf(", or keep the store on another filesystem (a volume at %s, or --root)", root)
	}
	r.Findings = append(r.Findings, Finding{Problem,
		why + ", and no usable fuse-overlayfs is installed: skiff stores images with vfs, which copies every layer (slow, and much more disk)", fix})
	return r
}

// NativeOverlay reports whether the kernel's overlay can hold a store at
// root (for a rootless user: from inside a user namespace), and if not,
// why.
func NativeOverlay(rootless bool, root string) (bool, string) {
	if !OverlaySupported() {
		return false, "the kernel has no overlay filesystem"
	}
	why := OverlayBlocked(rootless, root)
	return why == "", why
}

// OverlayBlocked says why the kernel's overlay, when it has one, cannot
// hold a store at root, or "". It is NativeOverlay without reading
// /proc/filesystems (50 µs), for a store that already holds overlay data.
func OverlayBlocked(rootless bool, root string) string {
	switch {
	case rootless && !KernelAtLeast(5, 11):
		return fmt.Sprintf("this kernel (%s) cannot mount overlay in a user namespace (5.11 and later can)", kernelRelease())
	case onOverlayfs(root):
		return root + " is on an overlay filesystem (skiff runs in a container?), on which overlay cannot stack"
	}
	return ""
}

// onOverlayfs reports whether dir, or the nearest directory above it that
// exists, is on overlayfs.
func onOverlayfs(dir string) bool {
	for d := dir; d != ""; d = filepath.Dir(d) {
		var st unix.Statfs_t
		if err := unix.Statfs(d, &st); err == nil {
			return st.Type == unix.OVERLAYFS_SUPER_MAGIC
		}
		if d == "/" || d == "." {
			break
		}
	}
	return false
}

// OverlaySupported reports whether the kernel has the overlay filesystem,
// or its module, which mounting loads.
func OverlaySupported() bool {
	b, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return false
	}
	if bytes.Contains(b, []byte("\toverlay\n")) {
		return true
	}
	_, err = os.Stat("/sys/module/overlay")
	return err == nil
}

// FuseOverlayfs is the path of fuse-overlayfs when it is installed and
// /dev/fuse can be opened, else "".
func FuseOverlayfs() string {
	p, err := exec.LookPath("fuse-overlayfs")
	if err != nil {
		return ""
	}
	if len(fuseDevice.findings(Note)) > 0 {
		return ""
	}
	return p
}

// KernelAtLeast reports whether the running kernel is major.minor or later.
func KernelAtLeast(major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(kernelRelease(), "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return strings.TrimRight(string(u.Release[:]), "\x00")
}
