// Package fuzzcheck holds what every fuzz target of skiff's parsers
// checks besides not panicking: a refusal is one line, as skiff prints
// it on stderr before exit 125.
package fuzzcheck

import (
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// OneLine fails t when err's message, as skiff prints it, is empty or
// spans several lines.
func OneLine(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if msg := errdefs.Line(err.Error()); msg == "" || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("%s: the error is not one line: %q", what, err.Error())
	}
}

// Args splits a fuzzed string into several flag values (a flag given
// several times), at NUL bytes.
func Args(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}
