package hostcheck

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// device is a character device rootless skiff's helpers open as the user.
type device struct {
	path         string
	major, minor uint32
	module       string // the kernel module behind it
	breaks       string // what fails without it
}

var (
	tunDevice = device{"/dev/net/tun", 10, 200, "tun",
		"pasta and slirp4netns cannot connect rootless containers to the network"}
	fuseDevice = device{"/dev/fuse", 10, 229, "fuse",
		"fuse-overlayfs cannot mount (--userns=keep-id; storage on kernels before 5.11)"}
)

// Tun checks that the user can open /dev/net/tun, as pasta and slirp4netns
// do to give a network namespace its way out.
func Tun() Result {
	return Result{Check: tunDevice.path, Findings: tunDevice.findings(Problem)}
}

// Fuse checks /dev/fuse and fuse-overlayfs, which --userns=keep-id needs
// (and storage on kernels older than 5.11, see Storage).
func Fuse() Result {
	r := Result{Check: "fuse-overlayfs, /dev/fuse", Findings: fuseDevice.findings(Note)}
	if _, err := exec.LookPath("fuse-overlayfs"); err != nil {
		r.Findings = append(r.Findings, Finding{Note,
			"fuse-overlayfs is not installed: --userns=keep-id cannot mount a container's files with their owners",
			"run as root: apt-get install fuse-overlayfs"})
	}
	return r
}

// udevRule is the fix that outlives a reboot.
func (d device) udevRule() string {
	return fmt.Sprintf(`echo 'KERNEL=="%s", MODE="0666", OPTIONS+="static_node=%s"' > /etc/udev/rules.d/50-skiff-%s.rules`,
		filepath.Base(d.path), strings.TrimPrefix(d.path, "/dev/"), d.module)
}

func (d device) mknod() string {
	mk := fmt.Sprintf("mknod -m 0666 %s c %d %d", d.path, d.major, d.minor)
	if dir := filepath.Dir(d.path); dir != "/dev" {
		mk = "mkdir -p " + dir + " && " + mk
	}
	return mk
}

// findings says why this process cannot open the device for reading and
// writing, or nothing when it can.
func (d device) findings(sev Severity) []Finding {
	var st unix.Stat_t
	if err := unix.Stat(d.path, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return []Finding{{sev, fmt.Sprintf("%s does not exist: %s", d.path, d.breaks),
				"run as root: modprobe " + d.module + "; " + d.mknod()}}
		}
		return []Finding{{sev, fmt.Sprintf("%s cannot be examined (%v): %s", d.path, err, d.breaks), ""}}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != d.major || unix.Minor(st.Rdev) != d.minor {
		return []Finding{{sev, fmt.Sprintf("%s is not the %s device (character %d:%d): %s", d.path, d.module, d.major, d.minor, d.breaks),
			"run as root: rm " + d.path + " && " + d.mknod()}}
	}
	fd, err := unix.Open(d.path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
		return nil
	}
	mode := st.Mode & 0o7777
	switch {
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		if mode&0o006 == 0o006 {
			var fs unix.Statfs_t
			if unix.Statfs(d.path, &fs) == nil && fs.Flags&unix.ST_NODEV != 0 {
				return []Finding{{sev, fmt.Sprintf("%s is on a filesystem mounted nodev: %s", d.path, d.breaks),
					"run as root: mount -o remount,dev " + filepath.Dir(d.path)}}
			}
			return []Finding{{sev, fmt.Sprintf("%s has mode %04o but opening it is refused (%v): %s", d.path, mode, err, d.breaks), ""}}
		}
		return []Finding{{sev, fmt.Sprintf("%s has mode %04o (%s), so you cannot open it: %s", d.path, mode, owner(st), d.breaks),
			fmt.Sprintf("run as root: chmod 0666 %s (and for every boot: %s)", d.path, d.udevRule())}}
	case errors.Is(err, unix.ENXIO) || errors.Is(err, unix.ENODEV):
		return []Finding{{sev, fmt.Sprintf("%s cannot be opened (%v): the %s module is not loaded, so %s", d.path, err, d.module, d.breaks),
			"run as root: modprobe " + d.module}}
	}
	return []Finding{{sev, fmt.Sprintf("%s cannot be opened (%v): %s", d.path, err, d.breaks), ""}}
}

// owner describes a file's owner and group by name. Inside skiff's user
// namespace ids of the host's root are not mapped and read as the
// overflow id: the owner then is only known to be someone else.
func owner(st unix.Stat_t) string {
	if st.Uid == overflowID("uid") && !inInitialUserNS() {
		return "its owner is not you"
	}
	u, g := strconv.Itoa(int(st.Uid)), strconv.Itoa(int(st.Gid))
	if pw, err := user.LookupId(u); err == nil {
		u = pw.Username
	}
	if gr, err := user.LookupGroupId(g); err == nil {
		g = gr.Name
	}
	return "owner " + u + ":" + g
}

func overflowID(kind string) uint32 {
	v, err := strconv.Atoi(readSysctl("/proc/sys/kernel/overflow" + kind))
	if err != nil {
		return 65534
	}
	return uint32(v)
}

// inInitialUserNS reports whether this process sees the host's ids.
func inInitialUserNS() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	f := strings.Fields(string(b))
	return err == nil && len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}
