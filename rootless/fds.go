package rootless

import (
	"math"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/rootless/nsjoin"
)

// Descriptors a command inherits beyond stdio (a shell's 3>file, a test
// harness's pipe) are for run --preserve-fds to pass on, explicitly,
// never for the helpers a command starts and leaves running (the pause
// process, pasta, the network keeper, DNS responders): one of them
// holding a pipe's write end would keep the pipe's reader waiting for an
// end of file as long as the helper lives. Init marks them all
// close-on-exec; the execs that replace this process and must pass them
// on (Ensure's re-exec into the namespace, unshare's command) give the
// inherited ones back with KeepInheritedOnExec first.

// closeInheritedOnExec marks every descriptor from 3 on close-on-exec.
func closeInheritedOnExec() {
	if unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	entries, _ := os.ReadDir("/proc/self/fd") // kernels before 5.11
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd >= 3 {
			unix.CloseOnExec(fd)
		}
	}
}

// KeepInheritedOnExec clears close-on-exec on the descriptors this
// process inherited (3 to 66, as the nsjoin constructor found them), for
// an exec that replaces the process and must pass them on.
func KeepInheritedOnExec() {
	for fd := 3; fd < 3+64; fd++ {
		if nsjoin.Inherited(fd) {
			_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0)
		}
	}
}
