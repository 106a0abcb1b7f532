// Package flock takes skiff's flock(2) locks. A command that has to wait
// longer than Patience for one says so once on stderr: what it waits for
// and which process holds it (from /proc/locks), so that a user facing a
// command that seems to hang knows which other command to look at.
//
// It imports nothing from skiff.
package flock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Patience is how long a wait lasts before it is reported.
var Patience = 5 * time.Second

// Notice is where the report goes.
var Notice io.Writer = os.Stderr

// Lock takes the lock how (unix.LOCK_SH or unix.LOCK_EX) on f, waiting as
// long as it takes. what names the lock for the report ("the volume
// store").
func Lock(f *os.File, how int, what string) error {
	fd := int(f.Fd())
	if err := unix.Flock(fd, how|unix.LOCK_NB); !errors.Is(err, unix.EWOULDBLOCK) {
		return err
	}
	var once sync.Once
	report := func() {
		fmt.Fprintf(Notice, "skiff: waiting for %s, held by %s\n", what, Holder(f))
	}
	timer := time.AfterFunc(Patience, func() { once.Do(report) })
	defer func() {
		timer.Stop()
		once.Do(func() {}) // a report under way finishes; none starts
	}()
	for {
		err := unix.Flock(fd, how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Holder describes the processes holding a lock on f: "pid 123 (skiff
// rm web)", or "another process" when /proc/locks does not show it (a
// holder in another PID namespace).
func Holder(f *os.File) string {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return "another process"
	}
	var holders []string
	for _, pid := range holders0(st) {
		if pid == os.Getpid() {
			continue
		}
		holders = append(holders, fmt.Sprintf("pid %d (%s)", pid, command(pid)))
	}
	if len(holders) == 0 {
		return "another process"
	}
	return strings.Join(holders, ", ")
}

// holders0 lists the pids /proc/locks shows holding (not waiting for) a
// FLOCK on the file st describes.
func holders0(st unix.Stat_t) []int {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseLocks(f, unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
}

// parseLocks reads /proc/locks lines such as
//
//	1: FLOCK  ADVISORY  WRITE 1234 00:2b:5678 0 EOF
//	1: -> FLOCK  ADVISORY  WRITE 1240 00:2b:5678 0 EOF
//
// (the second a waiter) for the holders of device major:minor, inode ino.
func parseLocks(r io.Reader, major, minor uint32, ino uint64) []int {
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, ino)
	var pids []int
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] == "->" || f[1] != "FLOCK" || f[5] != want {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids
}

// command is a process's command line, shortened for one line.
func command(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return "gone"
	}
	s := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100]) + "…"
	}
	return s
}
