package dockerfile

import (
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Dep is a stage's use of another stage or of an image: its base (FROM),
// a COPY --from or a RUN --mount from=.
type Dep struct {
	// Stage is the stage used, nil for an image.
	Stage *Stage
	// Image is the image reference when Stage is nil.
	Image string
}

// Deps lists what st uses besides the build context, expanding names
// with expand (the global ARGs: what FROM sees). A name that is not an
// earlier stage is an image.
func (f *File) Deps(st *Stage, expand func(string) (string, error)) ([]Dep, error) {
	var out []Dep
	add := func(name string, cmd instructions.Command) error {
		if name == "" {
			return nil
		}
		n, err := expand(name)
		if err != nil {
			if cmd == nil {
				return &Error{File: f.Name, Line: st.Line, Msg: err.Error()}
			}
			return Errorf(f.Name, cmd, "%v", err)
		}
		if dep, ok := f.StageByName(n, st.Index); ok {
			out = append(out, Dep{Stage: dep})
			return nil
		}
		out = append(out, Dep{Image: n})
		return nil
	}
	if err := add(st.BaseName, nil); err != nil {
		return nil, err
	}
	for _, cmd := range st.Commands {
		switch c := cmd.(type) {
		case *instructions.CopyCommand:
			if err := add(c.From, c); err != nil {
				return nil, err
			}
		case *instructions.RunCommand:
			for _, m := range RunMounts(c) {
				if err := add(m.From, c); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// RunMounts are a RUN's --mount options, before expansion.
func RunMounts(c *instructions.RunCommand) []*instructions.Mount {
	if ms := instructions.GetMounts(c); ms != nil {
		return ms
	}
	_ = c.Expand(func(s string) (string, error) { return s, nil })
	return instructions.GetMounts(c)
}

// Needed returns the stages the target needs, itself last, in Dockerfile
// order: a stage nothing needs is not built.
func (f *File) Needed(target *Stage, expand func(string) (string, error)) ([]*Stage, error) {
	need := map[int]bool{}
	var visit func(st *Stage) error
	visit = func(st *Stage) error {
		if need[st.Index] {
			return nil
		}
		need[st.Index] = true
		deps, err := f.Deps(st, expand)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if d.Stage != nil {
				if err := visit(d.Stage); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := visit(target); err != nil {
		return nil, err
	}
	var out []*Stage
	for _, st := range f.Stages {
		if need[st.Index] {
			out = append(out, st)
		}
	}
	return out, nil
}

// Steps is the number of steps docker's classic builder counts for the
// stages: each FROM and each instruction.
func Steps(stages []*Stage) int {
	n := 0
	for _, st := range stages {
		n += 1 + len(st.Commands)
	}
	return n
}

// IsMetadata reports whether cmd changes only the image's configuration
// (no layer).
func IsMetadata(cmd instructions.Command) bool {
	switch cmd.(type) {
	case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand:
		return false
	}
	return true
}
