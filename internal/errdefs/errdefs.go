// Package errdefs holds the error classes that decide skiff's exit code.
//
// Docker's contract: 125 when skiff itself fails, 126 when the container's
// command cannot be invoked, 127 when it cannot be found, else the
// container's own exit code. Packages keep their own sentinels in their
// errors.go and wrap them with these classes where an exit code other than
// 125 is owed. The wording of a missing object and the exit code of a
// bulk verb depend on the dialect skiff speaks (internal/dialect), its only
// import from skiff.
package errdefs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/internal/dialect"
)

// Exit codes docker documents for `docker run`.
const (
	ExitSkiff       = 125 // skiff's own failure
	ExitCannotRun   = 126 // the command exists but cannot be invoked
	ExitNotFound    = 127 // the command cannot be found
	ExitSignalShift = 128 // a container killed by signal N exits with 128+N
)

var (
	// ErrCannotInvoke marks a container command that exists but cannot be
	// executed (permission denied, not a binary): exit 126.
	ErrCannotInvoke = errors.New("cannot invoke the container command")
	// ErrCommandNotFound marks a container command that does not exist:
	// exit 127.
	ErrCommandNotFound = errors.New("container command not found")
	// ErrNotFound is the class of every "no such image/container/volume/
	// network" error.
	ErrNotFound = errors.New("not found")
	// ErrInUse is the class of every refusal to remove something another
	// object still uses.
	ErrInUse = errors.New("in use")
	// ErrConflict is the class of every clash with existing state (a name
	// taken, a container already running).
	ErrConflict = errors.New("conflict")
	// ErrInvalid is the class of every bad user input detected after flag
	// parsing.
	ErrInvalid = errors.New("invalid argument")
)

// ExitCodeError carries a container's exit code to the top. It prints
// nothing: the container already said what it had to say.
type ExitCodeError struct {
	Code int
}

func (e *ExitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Silent reports that the error needs no message of its own.
func (e *ExitCodeError) Silent() bool { return true }

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ec *ExitCodeError
	var coded *codedError
	switch {
	case errors.As(err, &ec):
		return ec.Code
	case errors.As(err, &coded):
		return coded.code
	case errors.Is(err, ErrCommandNotFound):
		return ExitNotFound
	case errors.Is(err, ErrCannotInvoke):
		return ExitCannotRun
	}
	return ExitSkiff
}

// Silent reports whether err must not be printed (an exit code passed on).
func Silent(err error) bool {
	var s interface{ Silent() bool }
	return errors.As(err, &s) && s.Silent()
}

// classed is an error that prints as its message but also matches a class.
type classed struct {
	class error
	msg   string
}

func (e *classed) Error() string        { return e.msg }
func (e *classed) Is(target error) bool { return target == e.class }

// New returns an error printing msg that matches class with errors.Is.
func New(class error, format string, args ...any) error {
	return &classed{class: class, msg: fmt.Sprintf(format, args...)}
}

// NotFound is New(ErrNotFound, ...).
func NotFound(format string, args ...any) error { return New(ErrNotFound, format, args...) }

// InUse is New(ErrInUse, ...).
func InUse(format string, args ...any) error { return New(ErrInUse, format, args...) }

// Conflict is New(ErrConflict, ...).
func Conflict(format string, args ...any) error { return New(ErrConflict, format, args...) }

// Invalid is New(ErrInvalid, ...).
func Invalid(format string, args ...any) error { return New(ErrInvalid, format, args...) }

// missing is a missing object, worded by the dialect (commands.Run sets
// it before anything can fail): `podman` gets podman's words, `docker`
// docker's.
type missing struct {
	kind dialect.Kind
	name string
}

func (e *missing) Error() string        { return dialect.Current().NoSuch(e.kind, e.name) }
func (e *missing) Is(target error) bool { return target == ErrNotFound }

// NoSuchContainer is the error of a container that does not exist.
func NoSuchContainer(ref string) error { return &missing{dialect.Container, ref} }

// NoSuchImage is the error of an image that does not exist.
func NoSuchImage(ref string) error { return &missing{dialect.Image, ref} }

// NoSuchVolume is the error of a volume that does not exist.
func NoSuchVolume(name string) error { return &missing{dialect.Volume, name} }

// NoSuchNetwork is the error of a network that does not exist.
func NoSuchNetwork(ref string) error { return &missing{dialect.Network, ref} }

// NoSuchPod is the error of a pod that does not exist.
func NoSuchPod(ref string) error { return &missing{dialect.Pod, ref} }

// NoSuchObject is inspect's error for a name that is no object at all.
func NoSuchObject(ref string) error { return &missing{dialect.Object, ref} }

// BulkExitCode is the exit code of a bulk verb (rm a b c) whose failures,
// each already printed, were errs: 0 without any. In docker's dialect it
// is fallback, the verb's own code; podman's gives its removal verbs
// (removes) 1 for missing objects, 2 when one is in use and 125 for
// anything else, and its other verbs 125.
func BulkExitCode(errs []error, removes bool, fallback int) int {
	if len(errs) == 0 {
		return 0
	}
	d := dialect.Current()
	if removes && d.RemovalExitCodes {
		code := 1
		for _, err := range errs {
			switch {
			case errors.Is(err, ErrInUse), errors.Is(err, ErrConflict):
				code = 2
			case errors.Is(err, ErrNotFound):
			default:
				return ExitSkiff
			}
		}
		return code
	}
	if d.BulkFailure != 0 {
		return d.BulkFailure
	}
	return fallback
}

// IsNotFound reports whether err is of class ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// codedError prints as its error but exits with a code of its own.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// WithExitCode gives err the exit code code (docker build's 1 for every
// build failure) while it still prints as itself; nil stays nil.
func WithExitCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

// Line is an error message as skiff prints it: one line, whatever the
// message quotes of the user's input or of another program's output.
// Line breaks and other control characters are written as Go escapes
// (\n, \r, \x1b), tabs kept.
func Line(msg string) string {
	msg = strings.TrimSpace(msg)
	if !strings.ContainsFunc(msg, isControl) {
		return msg
	}
	var b strings.Builder
	for _, r := range msg {
		if !isControl(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

func isControl(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) }
