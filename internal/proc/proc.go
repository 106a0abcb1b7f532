// Package proc reads process facts from /proc that skiff uses to tell a live
// process from a dead one whose pid was reused. It imports nothing from skiff.
package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// StartTime returns the start time of pid in clock ticks since boot (field
// 22 of /proc/PID/stat). Together with the pid it names a process uniquely.
func StartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStartTime(b)
}

func parseStartTime(stat []byte) (uint64, error) {
	f, err := statField(stat, 22)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(f, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("malformed /proc stat: %w", err)
	}
	return v, nil
}

// parsePPid reads the parent pid, field 4 of /proc/PID/stat.
func parsePPid(stat []byte) (int, error) {
	f, err := statField(stat, 4)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(f)
}

// statField returns field n (from 3 on, counted from 1 as proc(5) does)
// of a /proc/PID/stat line.
func statField(stat []byte, n int) (string, error) {
	// comm (field 2) may hold spaces and parentheses: start after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || n < 3 {
		return "", errors.New("malformed /proc stat")
	}
	fields := bytes.Fields(stat[i+1:]) // fields[0] is field 3
	if len(fields) < n-2 {
		return "", errors.New("malformed /proc stat")
	}
	return string(fields[n-3]), nil
}

// Alive reports whether the process pid that started at start still exists
// and is not a zombie. A zero start matches any process with that pid.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X') {
		return false
	}
	if start == 0 {
		return true
	}
	st, err := parseStartTime(b)
	return err == nil && st == start
}

// InPIDNamespaceOf lists the processes in the PID namespace of pid and in
// the namespaces nested in it (a container's own `unshare -p`): those
// whose namespace is pid's, and those descended from one of them.
func InPIDNamespaceOf(pid int) (map[int]bool, error) {
	target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/pid")
	if err != nil {
		return nil, err
	}
	return scan(func(_ int, ns string) bool { return ns == target })
}

// Descendants lists the processes descended from pid, pid excluded.
func Descendants(pid int) (map[int]bool, error) {
	out, err := scan(func(p int, _ string) bool { return p == pid })
	delete(out, pid)
	return out, err
}

// scan returns the processes seed selects (by pid and PID namespace) and
// all their descendants.
func scan(seed func(pid int, ns string) bool) (map[int]bool, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	in := map[int]bool{}
	parent := map[int]int{}
	for _, ent := range entries {
		p, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		ns, _ := os.Readlink("/proc/" + ent.Name() + "/ns/pid")
		if seed(p, ns) {
			in[p] = true
			continue
		}
		if stat, err := os.ReadFile("/proc/" + ent.Name() + "/stat"); err == nil {
			if pp, err := parsePPid(stat); err == nil {
				parent[p] = pp
			}
		}
	}
	// Not selected itself: in only through an ancestor that is.
	var inside func(p, depth int) bool
	inside = func(p, depth int) bool {
		if in[p] {
			return true
		}
		pp, ok := parent[p]
		if !ok || depth > 64 || !inside(pp, depth+1) {
			return false
		}
		in[p] = true
		return true
	}
	for p := range parent {
		inside(p, 0)
	}
	return in, nil
}
