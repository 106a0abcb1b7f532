package attach

import (
	"net"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// sunPathMax is the room for a socket path in struct sockaddr_un.
const sunPathMax = 107

// Listen binds a unix socket at path, replacing a stale one. A path too
// long for sockaddr_un is reached through its directory's /proc/self/fd
// entry, as conmon does.
func Listen(path string) (net.Listener, error) {
	os.Remove(path)
	if len(path) <= sunPathMax {
		return net.Listen("unix", path)
	}
	var ln net.Listener
	err := viaDirFD(path, func(short string) error {
		var err error
		ln, err = net.Listen("unix", short)
		return err
	})
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
	}
	return ln, err
}

// Dial connects to the unix socket at path (any length).
func Dial(path string) (net.Conn, error) {
	if len(path) <= sunPathMax {
		return net.Dial("unix", path)
	}
	var c net.Conn
	err := viaDirFD(path, func(short string) error {
		var err error
		c, err = net.Dial("unix", short)
		return err
	})
	return c, err
}

func viaDirFD(path string, fn func(short string) error) error {
	fd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return fn("/proc/self/fd/" + strconv.Itoa(fd) + "/" + filepath.Base(path))
}
