package netns

import (
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"

	"golang.org/x/sys/unix"
)

// nsfsMagic is the statfs type of a bind-mounted namespace file.
const nsfsMagic = 0x6e736673

// IsPinned reports whether path is a bind mount of a namespace: a network
// namespace skiff created and pinned there is alive exactly as long as this
// holds.
func IsPinned(path string) bool {
	if path == "" {
		return false
	}
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == nsfsMagic
}

// Create makes a new network namespace, brings up its loopback interface
// and pins it with a bind mount at path, so that it outlives every
// process in it until Remove.
func Create(path string) error {
	if IsPinned(path) {
		return fmt.Errorf("network namespace %s exists already", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("creating the network namespace file: %w", err)
	}
	f.Close()
	err = onThreadIn(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("creating a network namespace: %w", err)
		}
		return nil
	}, func() error {
		if err := unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("pinning the network namespace at %s: %w", path, err)
		}
		if err := LoopbackUp(); err != nil {
			return fmt.Errorf("bringing up lo: %w", err)
		}
		return nil
	})
	if err != nil {
		Remove(path)
		return err
	}
	return nil
}

// Remove unpins a network namespace and deletes its file; the namespace
// ends when no process is left in it. A missing pin is no error.
func Remove(path string) {
	if path == "" {
		return
	}
	for IsPinned(path) {
		if unix.Unmount(path, unix.MNT_DETACH) != nil {
			break
		}
	}
	_ = os.Remove(path)
}

// Do runs fn on a locked OS thread that has joined the network namespace
// at path ("" runs fn in the caller's namespace). Sockets fn creates stay
// in that namespace; processes it starts are born there.
func Do(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	return onThreadIn(func() error { return setnsPath(path) }, fn)
}

// onThreadIn runs fn on a locked OS thread that enter moved into another
// network namespace, then moves the thread back (leave). When enter
// fails, the thread is still in the caller's namespace and fn does not
// run.
func onThreadIn(enter, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			goruntime.UnlockOSThread()
			errc <- err
			return
		}
		defer unix.Close(orig)
		if err := enter(); err != nil {
			goruntime.UnlockOSThread()
			errc <- err
			return
		}
		ferr := fn()
		leave(orig)
		errc <- ferr
	}()
	return <-errc
}

// leave moves the calling locked thread back to the namespace orig and
// unlocks it. Rootless, the host's namespace belongs to a user namespace
// skiff has no rights in, so there is no way back: the thread stays
// locked and ends with its goroutine, as Go does for locked threads.
func leave(orig int) {
	if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
		goruntime.UnlockOSThread()
	}
}

// setnsPath moves the calling thread into the network namespace at path.
func setnsPath(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening network namespace %s: %w", path, err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("joining network namespace %s: %w", path, err)
	}
	return nil
}

// LoopbackUp sets IFF_UP on lo in the calling thread's network namespace
// (a new namespace's, or a container's own, by its init).
func LoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// writeSysctl writes a /proc/sys value in the network namespace at path.
func writeSysctl(path, key, value string) error {
	return Do(path, func() error {
		return os.WriteFile("/proc/sys/"+key, []byte(value), 0o644)
	})
}

// Pin bind-mounts an existing network namespace (/proc/PID/ns/net) at
// path, so that it is kept and found like one Create made.
func Pin(nsFile, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if err := unix.Mount(nsFile, path, "none", unix.MS_BIND, ""); err != nil {
		os.Remove(path)
		return fmt.Errorf("pinning %s at %s: %w", nsFile, path, err)
	}
	return nil
}
