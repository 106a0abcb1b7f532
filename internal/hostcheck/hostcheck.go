// Package hostcheck knows what skiff needs from the machine it runs on and,
// for each thing missing or broken, names the cause and the exact command
// that fixes it, in one line (a Finding).
//
// The same checks serve twice. When something fails (a network helper exits,
// newuidmap refuses the map, the user namespace cannot be made, fuse-overlayfs
// is needed), the layer that failed asks the checks about what it needed and
// reports the finding instead of the tool's own words (Explain); nothing is
// checked on the way to a success, so starts cost nothing more. And
// `skiff system check` runs them all (Run).
//
// It imports nothing from skiff but internal/subid: rootless, netns and
// storage call it. Checks that need a higher layer (cgroups) are made there
// as Results of the same shape.
package hostcheck

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Severity says whether a finding needs fixing.
type Severity string

const (
	// Problem: something skiff does by default fails, or works worse than
	// it should (single-id mapping, vfs storage), or is unsafe.
	Problem Severity = "problem"
	// Note: an optional feature is not available on this machine
	// (resource limits, --userns=keep-id).
	Note Severity = "note"
)

// Finding is one thing wrong with the host.
type Finding struct {
	Severity Severity
	// Cause says what is wrong and what it breaks.
	Cause string
	// Fix is the command that fixes it, starting with who runs it
	// ("run as root: ...").
	Fix string
}

// String is the finding in one line: cause, then fix.
func (f Finding) String() string {
	if f.Fix == "" {
		return f.Cause
	}
	return f.Cause + "; " + f.Fix
}

// Result is one check and what it found (nothing: the check passed).
type Result struct {
	// Check names what was checked ("user namespaces", "/dev/net/tun").
	Check    string
	Findings []Finding
}

// Error is a finding reported in place of the failure it explains. The
// failure stays in the chain: errors.Is/As reach it and --debug prints it.
type Error struct {
	Finding Finding
	Err     error
}

func (e *Error) Error() string { return e.Finding.String() }
func (e *Error) Unwrap() error { return e.Err }

// Format prints the finding, and with %+v the failure it explains.
func (e *Error) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('+') {
		fmt.Fprintf(s, "%s (from: %+v)", e.Error(), e.Err)
		return
	}
	fmt.Fprint(s, e.Error())
}

// Explain returns err explained by the first Problem among results, or err
// itself when no check found one (or err is nil).
func Explain(err error, results ...Result) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	for _, r := range results {
		for _, f := range r.Findings {
			if f.Severity == Problem {
				return &Error{Finding: f, Err: err}
			}
		}
	}
	return err
}

// User is whom the checks are for: the user skiff runs for (UID and GID on
// the host, even from inside skiff's user namespace), rootless or root.
type User struct {
	Name     string
	UID, GID int
	Rootless bool
}

// Run runs every check of this package for u and the store at root, in
// the order a user fixes them: the user namespace, its id mapping,
// storage, networking, FUSE.
func Run(u User, root string) []Result {
	if !u.Rootless {
		return []Result{Storage(false, root), NetworkHelpers(false), DefaultRoute(false), Fuse()}
	}
	return []Result{UserNamespaces(), SubIDs(u), SubIDSharing(u), IDMapTools(), Storage(true, root),
		NetworkHelpers(true), DefaultRoute(true), Tun(), Fuse()}
}

// readSysctl reads a /proc/sys file, "" when there is none.
func readSysctl(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
