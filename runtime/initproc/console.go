package initproc

import (
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setupConsole makes a pseudo-terminal inside the container's devpts,
// sends its master to the monitor, and makes the slave the process's
// stdin, stdout, stderr, controlling terminal (unless a reaper stays PID 1:
// then its child takes it) and /dev/console.
func setupConsole(sync *os.File, p *specs.Process, takeCtty bool) error {
	user := p.User
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlocking the pty: %w", err)
	}
	n, err := unix.IoctlGetInt(master, unix.TIOCGPTN)
	if err != nil {
		return fmt.Errorf("getting the pty number: %w", err)
	}
	slavePath := "/dev/pts/" + strconv.Itoa(n)
	slave, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %w", slavePath, err)
	}
	_ = unix.Fchown(slave, int(user.UID), int(user.GID))
	if sz := p.ConsoleSize; sz != nil {
		_ = unix.IoctlSetWinsize(slave, unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(sz.Height), Col: uint16(sz.Width)})
	}
	if err := unix.Sendmsg(int(sync.Fd()), []byte(msgConsole), unix.UnixRights(master), nil, 0); err != nil {
		return fmt.Errorf("sending the console to the monitor: %w", err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup2(slave, fd); err != nil {
			return err
		}
	}
	if slave > 2 {
		unix.Close(slave)
	}
	if !takeCtty {
		// the reaper's child takes it
	} else if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("setting the controlling terminal: %w", err)
	}
	f, err := os.OpenFile("/dev/console", os.O_CREATE|os.O_RDONLY, 0o600)
	if err == nil {
		f.Close()
		_ = unix.Mount(slavePath, "/dev/console", "", unix.MS_BIND, "")
	}
	return nil
}
