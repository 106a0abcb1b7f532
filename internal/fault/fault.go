//go:build skiff_faults

// Package fault is the kill -9 matrix's hook: with the skiff_faults
// build tag, Point kills the process (SIGKILL, as kill -9 would) when
// $SKIFF_FAULT names the point. Without the tag (every real build) Point
// is an empty function the compiler removes.
//
// It imports nothing from skiff.
package fault

import (
	"os"

	"golang.org/x/sys/unix"
)

// Enabled says whether this binary has the hook.
const Enabled = true

// Point is a step at which a fault test may kill skiff.
func Point(name string) {
	if os.Getenv("SKIFF_FAULT") == name {
		_ = unix.Kill(os.Getpid(), unix.SIGKILL)
		select {}
	}
}
