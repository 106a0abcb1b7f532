// Package dockerfile reads a Dockerfile into stages with BuildKit's parser
// and instruction packages (so syntax, escapes and variable expansion are
// docker's), and answers what a build plan needs to know before anything
// runs: the stages a target depends on, the values of ARGs in scope, and
// the words of an instruction after expansion.
//
// It is pure: no storage, no containers, no files but the Dockerfile's
// bytes. It imports no other skiff package.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// File is a parsed Dockerfile.
type File struct {
	// Name is the file's name in messages ("Dockerfile", "-").
	Name   string
	Stages []*Stage
	// MetaArgs are the ARGs before the first FROM (the global scope).
	MetaArgs []instructions.ArgCommand
	// Syntax is the `# syntax=` directive (a frontend image skiff does not
	// run), "" when absent.
	Syntax string
	// Escape is the escape character (`# escape=`).
	Escape rune
	// Warnings are the parser's warnings (empty continuation lines).
	Warnings []string
}

// Stage is one FROM and the instructions up to the next.
type Stage struct {
	Index int
	// Name is the stage's name (AS name, lower case), "" when unnamed.
	Name string
	// BaseName is FROM's image or stage, before ARG expansion.
	BaseName string
	Platform string
	// Source is the FROM line as written; Line its line number.
	Source   string
	Line     int
	Commands []instructions.Command
}

// Parse reads a Dockerfile. name is used in errors, which say the file and
// the line ("Dockerfile:3: unknown instruction: FOO").
func Parse(data []byte, name string) (*File, error) {
	f := &File{Name: name}
	if syntax, _, _, ok := parser.DetectSyntax(data); ok {
		f.Syntax = syntax
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, f.errorAt(err)
	}
	f.Escape = res.EscapeToken
	for _, w := range res.Warnings {
		f.Warnings = append(f.Warnings, w.Short)
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, f.errorAt(err)
	}
	if len(stages) == 0 {
		return nil, &Error{File: name, Msg: noFrom}
	}
	f.MetaArgs = meta
	for i := range stages {
		st := &stages[i]
		line := 0
		if len(st.Location) > 0 {
			line = st.Location[0].Start.Line
		}
		f.Stages = append(f.Stages, &Stage{
			Index: i, Name: st.Name, BaseName: st.BaseName, Platform: st.Platform,
			Source: st.SourceCode, Line: line, Commands: st.Commands,
		})
	}
	return f, nil
}

const noFrom = "the file has no FROM instruction: a Dockerfile must start with FROM (after ARGs and comments)"

// errorAt words a parse error with the file and line, as one line.
func (f *File) errorAt(err error) error {
	msg := err.Error()
	var pe interface{ Unwrap() error }
	// instructions.Parse wraps as "dockerfile parse error on line N: X";
	// keep X and say the line our way.
	if errors.As(err, &pe) {
		if inner := pe.Unwrap(); inner != nil && strings.HasPrefix(msg, "dockerfile parse error") {
			msg = inner.Error()
		}
	}
	line := 0
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
	}
	var ue *instructions.UnknownInstructionError
	if errors.As(err, &ue) {
		line = ue.Line
	}
	msg = strings.SplitN(msg, "\n", 2)[0]
	if msg == "file with no instructions" {
		return &Error{File: f.Name, Msg: noFrom}
	}
	if line > 0 {
		return &Error{File: f.Name, Line: line, Msg: msg}
	}
	return &Error{File: f.Name, Msg: msg}
}

// Error is a mistake in the Dockerfile: it names the file and the line.
// Builds exit 1 for it, as docker does.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errorf makes an Error at a command's line.
func Errorf(file string, cmd instructions.Command, format string, args ...any) error {
	return &Error{File: file, Line: Line(cmd), Msg: fmt.Sprintf(format, args...)}
}

// Line is the line a command starts on (0 when unknown).
func Line(cmd instructions.Command) int {
	if l := cmd.Location(); len(l) > 0 {
		return l[0].Start.Line
	}
	return 0
}

// StageByName finds a stage by name (case-insensitive) or, for a number,
// by index among the stages before limit (-1: all).
func (f *File) StageByName(name string, limit int) (*Stage, bool) {
	if limit < 0 {
		limit = len(f.Stages)
	}
	for _, st := range f.Stages[:limit] {
		if st.Name != "" && strings.EqualFold(st.Name, name) {
			return st, true
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < limit {
		return f.Stages[n], true
	}
	return nil, false
}

// Target returns the stage to build: the named one, or the last.
func (f *File) Target(name string) (*Stage, error) {
	if name == "" {
		return f.Stages[len(f.Stages)-1], nil
	}
	for _, st := range f.Stages {
		if strings.EqualFold(st.Name, name) {
			return st, nil
		}
	}
	return nil, &Error{File: f.Name, Msg: fmt.Sprintf("target stage %q could not be found", name)}
}
