package seccomp

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Install loads f on the calling thread. The init and exec roles call it
// from the locked thread that execs the container's process, the last
// step before exec (or before dropping capabilities when no_new_privs is
// off: loading a filter without it needs CAP_SYS_ADMIN).
func Install(f *Filter) error {
	n := len(f.Program) / int(unsafe.Sizeof(unix.SockFilter{}))
	if n == 0 || n > unix.BPF_MAXINSNS {
		return fmt.Errorf("loading the seccomp filter: a filter of %d instructions", n)
	}
	prog := unix.SockFprog{Len: uint16(n), Filter: (*unix.SockFilter)(unsafe.Pointer(&f.Program[0]))}
	r, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(f.Flags), uintptr(unsafe.Pointer(&prog)))
	switch {
	case e != 0:
		return fmt.Errorf("loading the seccomp filter: %w", e)
	case r != 0: // TSYNC: the thread that could not take it
		return fmt.Errorf("loading the seccomp filter: thread %d cannot take it", r)
	}
	return nil
}
