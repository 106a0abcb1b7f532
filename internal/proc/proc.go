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
	// comm (field 2) may hold spaces and parentheses: start after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	fields := bytes.Fields(stat[i+1:])
	// fields[0] is field 3 (state); field 22 is fields[19].
	if len(fields) < 20 {
		return 0, errors.New("malformed /proc stat")
	}
	v, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("malformed /proc stat: %w", err)
	}
	return v, nil
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
