package initproc

import (
	"strings"

	"github.com/skiff-containers/skiff/internal/lazy"
	"golang.org/x/sys/unix"
)

// mountFlags maps mount(8) options to flags: set (true) or cleared.
var mountFlags = lazy.Value(func() map[string]mountFlag {
	return map[string]mountFlag{
		"ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
		"nosuid": {false, unix.MS_NOSUID}, "suid": {true, unix.MS_NOSUID},
		"nodev": {false, unix.MS_NODEV}, "dev": {true, unix.MS_NODEV},
		"noexec": {false, unix.MS_NOEXEC}, "exec": {true, unix.MS_NOEXEC},
		"sync": {false, unix.MS_SYNCHRONOUS}, "async": {true, unix.MS_SYNCHRONOUS},
		"dirsync": {false, unix.MS_DIRSYNC}, "remount": {false, unix.MS_REMOUNT},
		"mand": {false, unix.MS_MANDLOCK}, "nomand": {true, unix.MS_MANDLOCK},
		"atime": {true, unix.MS_NOATIME}, "noatime": {false, unix.MS_NOATIME},
		"diratime": {true, unix.MS_NODIRATIME}, "nodiratime": {false, unix.MS_NODIRATIME},
		"relatime": {false, unix.MS_RELATIME}, "norelatime": {true, unix.MS_RELATIME},
		"strictatime": {false, unix.MS_STRICTATIME}, "nostrictatime": {true, unix.MS_STRICTATIME},
		"bind": {false, unix.MS_BIND}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
	}
})

// propagationFlags maps propagation options to flags.
var propagationFlags = lazy.Value(func() map[string]uintptr {
	return map[string]uintptr{
		"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
		"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
		"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
		"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	}
})

// mountFlag is a mount(8) option's flag, and whether the option clears
// it.
type mountFlag struct {
	clear bool
	flag  uintptr
}

// parseOptions splits OCI mount options into mount flags, propagation
// changes to apply afterwards, and the filesystem's data string.
func parseOptions(opts []string) (flags uintptr, prop []uintptr, data string) {
	var d []string
	for _, o := range opts {
		if f, ok := mountFlags()[o]; ok {
			if f.clear {
				flags &^= f.flag
			} else {
				flags |= f.flag
			}
			continue
		}
		if p, ok := propagationFlags()[o]; ok {
			prop = append(prop, p)
			continue
		}
		// skiff-private options (tmpcopyup, z/Z) are not for the kernel.
		if o == "z" || o == "Z" || o == "tmpcopyup" || o == "notmpcopyup" {
			continue
		}
		d = append(d, o)
	}
	return flags, prop, strings.Join(d, ",")
}
