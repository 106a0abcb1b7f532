package flock

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Locks taken by libraries skiff calls cannot report their waits as Lock
// does: go.podman.io/storage locks layers.lock, images.lock,
// containers.lock and the mount points with fcntl(F_SETLKW) deep inside
// its calls. WatchWaits covers them from outside: the kernel lists in
// /proc/locks every process blocked on a POSIX lock ("->" lines, with the
// waiter's pid and the file's device and inode) beside the holders. A
// wait of this process on the same file for longer than Patience is
// reported once per file, like Lock's: the lock file (found among this
// process's open descriptors: the waiter holds it open) and the holder.
// skiff's own flock locks are left to Lock.

// pollEvery is how often the watcher reads /proc/locks.
var pollEvery = time.Second

var watchOnce sync.Once

// WatchWaits starts, once per process, the watcher of POSIX lock waits.
// It costs one read of /proc/locks a second; it stops with the process.
func WatchWaits() {
	watchOnce.Do(func() { go watch(os.Getpid()) })
}

func watch(pid int) {
	since := map[string]time.Time{} // dev:ino waited for -> first seen
	reported := map[string]bool{}
	for range time.Tick(pollEvery) {
		now := time.Now()
		waits := posixWaits(pid)
		for key := range since {
			if !waits[key] {
				delete(since, key) // got it (or gave up)
			}
		}
		for key := range waits {
			first, ok := since[key]
			if !ok {
				since[key] = now
				continue
			}
			if now.Sub(first) >= Patience && !reported[key] {
				reported[key] = true
				fmt.Fprintf(Notice, "skiff: waiting for %s, held by %s\n", lockName(key), posixHolders(key, pid))
			}
		}
	}
}

// posixWaits lists the files ("MAJ:MIN:INO" as /proc/locks writes them)
// on which pid waits for a POSIX lock.
func posixWaits(pid int) map[string]bool {
	out := map[string]bool{}
	forLocks(func(waiter bool, kind string, p int, key string) {
		if waiter && kind == "POSIX" && p == pid {
			out[key] = true
		}
	})
	return out
}

// posixHolders describes the processes other than pid holding a lock on
// the file key names.
func posixHolders(key string, pid int) string {
	var holders []string
	seen := map[int]bool{}
	forLocks(func(waiter bool, kind string, p int, k string) {
		if waiter || k != key || p == pid || p <= 0 || seen[p] || (kind != "POSIX" && kind != "FLOCK") {
			return
		}
		seen[p] = true
		holders = append(holders, fmt.Sprintf("pid %d (%s)", p, command(p)))
	})
	if len(holders) == 0 {
		return "another process"
	}
	return strings.Join(holders, ", ")
}

func forLocks(fn func(waiter bool, kind string, pid int, key string)) {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return
	}
	defer f.Close()
	scanLocks(f, fn)
}

// scanLocks reads /proc/locks lines such as
//
//	1: POSIX  ADVISORY  WRITE 1234 00:2b:5678 0 EOF
//	1: -> POSIX  ADVISORY  WRITE 1240 00:2b:5678 0 EOF
func scanLocks(r io.Reader, fn func(waiter bool, kind string, pid int, key string)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		waiter := len(f) > 1 && f[1] == "->"
		if waiter {
			f = append(f[:1], f[2:]...)
		}
		if len(f) < 6 {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil {
			fn(waiter, f[1], pid, f[5])
		}
	}
}

// lockName is the path of the file key names, from this process's open
// descriptors ("the lock file" when none matches).
func lockName(key string) string {
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		p := filepath.Join("/proc/self/fd", fd.Name())
		var st unix.Stat_t
		if unix.Stat(p, &st) != nil {
			continue
		}
		if fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino) == key {
			if target, err := os.Readlink(p); err == nil {
				return target
			}
		}
	}
	return "a lock file"
}
