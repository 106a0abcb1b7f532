package initproc

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// device is a node docker puts in every container's /dev.
type device struct {
	name         string
	major, minor uint32
}

var defaultDevices = []device{
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
}

// setupDev fills the container's tmpfs /dev: device nodes (made with
// mknod as real root, bind-mounted from the host in a user namespace where
// mknod is not allowed) and docker's symlinks.
func setupDev(rootfs string, cfg *Config) error {
	dev := filepath.Join(rootfs, "dev")
	for _, d := range defaultDevices {
		p := filepath.Join(dev, d.name)
		if !cfg.InUserNS {
			err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(d.major, d.minor)))
			if err == nil || os.IsExist(err) {
				_ = unix.Chmod(p, 0o666)
				continue
			}
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_RDONLY, 0o666)
		if err != nil {
			return fmt.Errorf("creating /dev/%s: %w", d.name, err)
		}
		f.Close()
		if err := unix.Mount("/dev/"+d.name, p, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mounting /dev/%s: %w", d.name, err)
		}
	}
	links := [][2]string{
		{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
	}
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "core"})
	}
	for _, l := range links {
		p := filepath.Join(dev, l[1])
		if l[1] == "ptmx" {
			os.Remove(p)
		}
		if err := os.Symlink(l[0], p); err != nil && !os.IsExist(err) {
			return fmt.Errorf("creating /dev/%s: %w", l[1], err)
		}
	}
	return nil
}
