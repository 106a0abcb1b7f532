// Package lazy holds package-level values that are built on first use
// rather than in package initialisation, which every skiff process pays
// for whatever command it runs (issue #18: on a VM that faults each first
// touch of fresh memory in, the heap grown at start is most of a short
// command's cost). A value is a function: call it to get the value, built
// once (sync.OnceValue), whichever goroutine asks first.
package lazy

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled on first use; it panics then,
// as regexp.MustCompile does, if expr does not compile (the package's
// tests call each once).
func Regexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Value is v's result, computed on first use: a table or map literal
// that a package-level var would build at every start.
func Value[T any](v func() T) func() T { return sync.OnceValue(v) }
