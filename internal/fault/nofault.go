//go:build !skiff_faults

package fault

// Enabled says whether this binary has the hook.
const Enabled = false

// Point is a step at which a fault test may kill skiff (see fault.go).
func Point(string) {}
