package dockerfile

import (
	"runtime"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// ProxyArgs are docker's predefined build args: usable without an ARG,
// and left out of the image's history unless declared (docker's rule).
var ProxyArgs = []string{
	"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
	"NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
}

// PlatformArgs are BuildKit's automatic platform args for this machine
// (skiff builds for the host platform only): TARGETPLATFORM, BUILDARCH...
func PlatformArgs() map[string]string {
	arch, variant := runtime.GOARCH, ""
	if arch == "arm" {
		variant = "v7"
	}
	plat := "linux/" + arch
	if variant != "" {
		plat += "/" + variant
	}
	m := map[string]string{}
	for _, p := range []string{"TARGET", "BUILD"} {
		m[p+"PLATFORM"], m[p+"OS"], m[p+"ARCH"], m[p+"VARIANT"] = plat, "linux", arch, variant
	}
	return m
}

// Scope is the ARGs a stage sees: declared ones with their values, in
// declaration order. Values come from --build-arg, else the ARG's
// default.
type Scope struct {
	names  []string
	values map[string]string
}

// NewScope returns an empty scope.
func NewScope() *Scope { return &Scope{values: map[string]string{}} }

// Clone copies the scope.
func (s *Scope) Clone() *Scope {
	c := NewScope()
	c.names = slices.Clone(s.names)
	for k, v := range s.values {
		c.values[k] = v
	}
	return c
}

// Set declares name with value.
func (s *Scope) Set(name, value string) {
	if _, ok := s.values[name]; !ok {
		s.names = append(s.names, name)
	}
	s.values[name] = value
}

// Get returns a declared arg's value.
func (s *Scope) Get(name string) (string, bool) {
	v, ok := s.values[name]
	return v, ok
}

// Pairs are the declared args as KEY=VALUE, in declaration order.
func (s *Scope) Pairs() []string {
	out := make([]string, 0, len(s.names))
	for _, n := range s.names {
		if v, ok := s.values[n]; ok {
			out = append(out, n+"="+v)
		}
	}
	return out
}

// Declare applies an ARG instruction: each name takes its --build-arg
// value, else the value it had in outer (the global scope, for a stage's
// re-declaration of a meta ARG), else its default (expanded with expand).
// used records the build args consumed.
func (s *Scope) Declare(cmd *instructions.ArgCommand, buildArgs map[string]string, outer *Scope, expand func(string) (string, error), used map[string]bool) error {
	for _, kv := range cmd.Args {
		name := kv.Key
		if v, ok := buildArgs[name]; ok {
			s.Set(name, v)
			used[name] = true
			continue
		}
		if outer != nil {
			if v, ok := outer.Get(name); ok && kv.Value == nil {
				s.Set(name, v)
				continue
			}
		}
		if kv.Value == nil {
			if v, ok := PlatformArgs()[name]; ok {
				s.Set(name, v)
				continue
			}
			s.Set(name, "")
			s.unset(name)
			continue
		}
		v, err := expand(*kv.Value)
		if err != nil {
			return err
		}
		s.Set(name, v)
	}
	return nil
}

// unset marks a declared arg without a value: it expands to "" but is
// not put in RUN's environment (docker leaves it unset).
func (s *Scope) unset(name string) {
	delete(s.values, name)
	s.names = slices.DeleteFunc(s.names, func(n string) bool { return n == name })
	s.names = append(s.names, name)
}

// Env is what RUN sees of the args: declared ones with a value, and the
// proxy args given with --build-arg, each unless the image's environment
// sets the same name (ENV wins over ARG).
func (s *Scope) Env(imageEnv []string, buildArgs map[string]string) []string {
	var out []string
	has := func(k string) bool {
		return slices.ContainsFunc(imageEnv, func(e string) bool { return strings.HasPrefix(e, k+"=") })
	}
	for _, n := range s.names {
		if v, ok := s.values[n]; ok && !has(n) {
			out = append(out, n+"="+v)
		}
	}
	for _, n := range ProxyArgs {
		if _, declared := s.values[n]; declared {
			continue
		}
		if v, ok := buildArgs[n]; ok && !has(n) {
			out = append(out, n+"="+v)
		}
	}
	return out
}

// Expander expands words as docker does for an instruction: ${VAR}
// references see the stage's environment first, then its args.
func Expander(escape rune, env []string, args *Scope) func(string) (string, error) {
	lex := shell.NewLex(escape)
	all := make([]string, 0, len(env)+len(args.names))
	all = append(all, args.Pairs()...)
	all = append(all, env...) // later wins: ENV over ARG
	getter := shell.EnvsFromSlice(all)
	return func(word string) (string, error) {
		out, _, err := lex.ProcessWord(word, getter)
		return out, err
	}
}
