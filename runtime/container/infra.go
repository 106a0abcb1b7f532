package container

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A pod's infra container (Record.Infra) has no image: its root
// filesystem is an empty layer, and its init execs skiff's own binary in
// the infra role (runtime/infra, initproc.Config.Infra) through a handle
// opened before pivot_root. The binary links libc, so the infra's root
// gets read-only binds of what the dynamic loader needs: the ELF
// interpreter at the path the binary names, and the shared libraries
// this process has mapped, found by the same paths through
// LD_LIBRARY_PATH.

// infraRuntime returns the infra's binds and the infra process's
// environment.
func infraRuntime() ([]specs.Mount, []string, error) {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		return nil, nil, fmt.Errorf("reading skiff's binary for the infra process: %w", err)
	}
	defer f.Close()
	var binds []string
	var ms []specs.Mount
	add := func(dst, src string) {
		if !slices.Contains(binds, dst) {
			binds = append(binds, dst)
			ms = append(ms, specs.Mount{Destination: dst, Type: "bind", Source: src, Options: []string{"rbind", "ro", "nosuid", "nodev"}})
		}
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return nil, nil, fmt.Errorf("reading skiff's ELF interpreter: %w", err)
		}
		interp := strings.TrimRight(string(b), "\x00")
		src, err := filepath.EvalSymlinks(interp)
		if err != nil {
			return nil, nil, fmt.Errorf("finding skiff's ELF interpreter %s: %w", interp, err)
		}
		add(interp, src)
	}
	libs, err := mappedLibraries()
	if err != nil {
		return nil, nil, err
	}
	var dirs []string
	for _, l := range libs {
		add(l, l)
		if d := filepath.Dir(l); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	env := []string{"_SKIFF_ROLE=infra"}
	if len(dirs) > 0 {
		env = append(env, "LD_LIBRARY_PATH="+strings.Join(dirs, ":"))
	}
	return ms, env, nil
}

// mappedLibraries are the shared objects this process has mapped.
func mappedLibraries() ([]string, error) {
	fh, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		p := fields[5]
		if strings.HasPrefix(p, "/") && strings.Contains(filepath.Base(p), ".so") && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no shared library mapped: cannot tell what skiff's binary needs in an infra container")
	}
	return out, nil
}
