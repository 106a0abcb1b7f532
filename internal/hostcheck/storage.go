package hostcheck

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// Storage checks that images can be stored with overlay: the kernel's, or
// rootless on kernels before 5.11 fuse-overlayfs. Without either skiff uses
// vfs, which copies every layer.
func Storage(rootless bool) Result {
	r := Result{Check: "storage (overlay)"}
	switch {
	case !OverlaySupported():
		r.Findings = append(r.Findings, Finding{Problem,
			"the kernel has no overlay filesystem: skiff stores images with vfs, which copies every layer (slow, and much more disk)",
			"run as root: modprobe overlay && echo overlay >> /etc/modules"})
	case rootless && !NativeOverlayInUserns() && FuseOverlayfs() == "":
		r.Findings = append(r.Findings, Finding{Problem,
			fmt.Sprintf("this kernel (%s) cannot mount overlay in a user namespace (5.11 and later can) and no usable fuse-overlayfs is installed: "+
				"skiff stores images with vfs, which copies every layer", kernelRelease()),
			"run as root: apt-get install fuse-overlayfs && chmod 0666 /dev/fuse"})
	}
	return r
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

// NativeOverlayInUserns reports whether the kernel mounts overlay inside a
// user namespace (5.11 and later).
func NativeOverlayInUserns() bool {
	return KernelAtLeast(5, 11)
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
