#!/bin/bash
# Writes patched copies of the modules whose package init compiles
# regular expressions that a command rarely uses (three at first, eight
# more in a second round, at the end), and adds their replace
# directives to OUTDIR/go.mod (written by hack/lazy-jsonschema.sh first),
# so that `go build -modfile OUTDIR/go.mod` compiles each expression on its
# first use instead of in every skiff process's init. Used by the
# Makefile's bin/skiff only.
#
# Why: github.com/distribution/reference (compose-go's types, docker/
# distribution's registry API), go.podman.io/image/v5/docker/reference and
# github.com/opencontainers/go-digest compile 27 expressions at init: about
# half of the bytes every skiff process allocates in package init (770 kB
# of 1.55 MB, GODEBUG=inittrace=1), and on a machine where a first touch
# of anonymous memory is slow, a good part of `skiff version`'s time
# (docs/internal.md, issue #18). Most commands match none of them.
#
# How: as for jsonschema, the module's sources (same version, tests left
# out) are copied to OUTDIR and one file per package is rewritten there:
# each package-level `regexp.MustCompile(EXPR)` becomes `lazyRegexp(EXPR)`,
# a small type (written into the package by this script) holding the
# expression and compiling it with regexp.MustCompile once, on the first
# call of a method; String() returns the expression without compiling it,
# as regexp's String() returns the source. The type has the methods of
# regexp.Regexp that these modules and their users call; a user needing a
# *regexp.Regexp itself fails the build (docker/distribution stores
# distribution/reference's NameRegexp and go-digest's DigestRegexp in a
# struct field, whose type its copy changes to the two methods offered;
# compose-go's template hands its DefaultPattern to its own functions, so
# that one becomes a sync.OnceValue). A plain `go build` makes the same
# program, with the eager inits.
#
# The script fails if a file does not have the expected shape (a new
# version): update the patterns, then check `GODEBUG=inittrace=1 bin/skiff
# version` (docs/internal.md).
#
# Usage: hack/lazy-regexps.sh OUTDIR   (after hack/lazy-jsonschema.sh OUTDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/modpatch.sh "$@"

# lazy DIR PACKAGE: writes the lazyRegexp type into the package in DIR
lazy() {
	cat >"$1/skiff_lazyregexp.go" <<EOF
// Written by skiff's hack/lazy-regexps.sh: this package's expressions are
// compiled on first use instead of in its init.

package $2

import (
	"regexp"
	"sync"
)

type lazyRE struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

func lazyRegexp(expr string) *lazyRE { return &lazyRE{expr: expr} }

func (r *lazyRE) get() *regexp.Regexp {
	r.once.Do(func() { r.re = regexp.MustCompile(r.expr) })
	return r.re
}

// String returns the source text, as regexp's String does, uncompiled.
func (r *lazyRE) String() string { return r.expr }

func (r *lazyRE) Match(b []byte) bool                      { return r.get().Match(b) }
func (r *lazyRE) MatchString(s string) bool                { return r.get().MatchString(s) }
func (r *lazyRE) FindString(s string) string               { return r.get().FindString(s) }
func (r *lazyRE) FindStringIndex(s string) []int           { return r.get().FindStringIndex(s) }
func (r *lazyRE) FindStringSubmatch(s string) []string     { return r.get().FindStringSubmatch(s) }
func (r *lazyRE) FindStringSubmatchIndex(s string) []int   { return r.get().FindStringSubmatchIndex(s) }
func (r *lazyRE) FindAllString(s string, n int) []string   { return r.get().FindAllString(s, n) }
func (r *lazyRE) FindAllStringSubmatch(s string, n int) [][]string {
	return r.get().FindAllStringSubmatch(s, n)
}
func (r *lazyRE) ReplaceAllString(src, repl string) string { return r.get().ReplaceAllString(src, repl) }
func (r *lazyRE) NumSubexp() int                           { return r.get().NumSubexp() }
func (r *lazyRE) SubexpNames() []string                    { return r.get().SubexpNames() }
func (r *lazyRE) SubexpIndex(name string) int              { return r.get().SubexpIndex(name) }
func (r *lazyRE) Longest()                                 { r.get().Longest() }
func (r *lazyRE) Split(s string, n int) []string           { return r.get().Split(s, n) }
EOF
}

# unimport FILE: deletes FILE's import of regexp when nothing else in it
# uses the package
unimport() {
	grep -q 'regexp\.' "$1" || sub "$1" 1 '/^\t"regexp"$/d'
}

# lazify FILE COUNT NAME...: each package-level `NAME = regexp.MustCompile(`
# in FILE (COUNT lines) becomes `NAME = lazyRegexp(`
lazify() {
	local f=$1 n=$2 alt
	shift 2
	alt=$(echo "$*" | sed 's/ /\\|/g')
	sub "$f" "$n" "s/^\(\(var \)\?[ \t]*\($alt\) *= \)regexp\.MustCompile(/\1lazyRegexp(/"
	unimport "$f"
}

# github.com/distribution/reference: all ten (NameRegexp, which docker/
# distribution's registry API keeps in a struct field, with the field's
# type patched below)
d=$(copy github.com/distribution/reference distribution-reference)
sub "$d/regexp.go" 10 '/^\(var \)\?[ \t]*[A-Za-z]*Regexp = regexp\.MustCompile(/s/regexp\.MustCompile(/lazyRegexp(/'
unimport "$d/regexp.go"
lazy "$d" reference

# go.podman.io/image/v5/docker/reference: its `re` helper (the rest
# already uses go.podman.io/storage/pkg/regexp.Delayed)
d=$(copy go.podman.io/image/v5 image-v5)
sub "$d/docker/reference/regexp.go" 1 's/^var re = regexp\.MustCompile$/var re = lazyRegexp/'
lazy "$d/docker/reference" reference

# github.com/opencontainers/go-digest: DigestRegexp (in docker/
# distribution's struct field too), DigestRegexpAnchored and the
# per-algorithm expressions
d=$(copy github.com/opencontainers/go-digest go-digest)
sub "$d/digest.go" 2 's/^var \(DigestRegexp\|DigestRegexpAnchored\) = regexp\.MustCompile(/var \1 = lazyRegexp(/'
unimport "$d/digest.go"
sub "$d/algorithm.go" 4 's/map\[Algorithm\]\*regexp\.Regexp{/map[Algorithm]*lazyRE{/; s/^\(\t\t[A-Z0-9]*: \)regexp\.MustCompile(/\1lazyRegexp(/'
sub "$d/algorithm.go" 1 '/^\t"regexp"$/d' # no longer used there
lazy "$d" digest

# no package-level MustCompile left in the rewritten files
[ "$(grep -c 'regexp\.MustCompile' "$out/image-v5/docker/reference/regexp.go")" = 0 ] ||
	fail "image/v5's docker/reference/regexp.go: an eager expression left"
[ "$(cat "$out"/go-digest/{digest,algorithm}.go | grep -c 'regexp\.MustCompile(')" = 0 ] ||
	fail "go-digest: an eager expression left"
[ "$(grep -c 'regexp\.MustCompile(' "$out/distribution-reference/regexp.go")" = 0 ] ||
	fail "distribution/reference's regexp.go: an eager expression left"

# Second round (issue #18): the expressions of packages every skiff
# process links, used when a YAML value is resolved or written (go.yaml.in/
# yaml v3 and v4), a Dockerfile parsed (buildkit's parser), a compose
# file's variables substituted (compose-go's template), an OCI layout
# reference or a registry's authentication header parsed (image/v5's
# oci/internal, docker/distribution's registry API), terminal escapes
# stripped (acarl005/stripansi) or a flag's help written (urfave/cli).

d=$(copy go.yaml.in/yaml/v3 yaml-v3)
lazify "$d/encode.go" 1 base60float
lazify "$d/resolve.go" 1 yamlStyleFloat
lazy "$d" yaml

d=$(copy go.yaml.in/yaml/v4 yaml-v4)/internal/libyaml
lazify "$d/representer.go" 1 base60float
lazify "$d/resolver.go" 1 yamlStyleFloat
lazy "$d" libyaml

d=$(copy github.com/acarl005/stripansi stripansi)
lazify "$d/stripansi.go" 1 re
lazy "$d" stripansi

lazify "$out/image-v5/oci/internal/oci_util.go" 2 refRegexp windowsRefRegexp
lazy "$out/image-v5/oci/internal" internal

d=$(copy github.com/moby/buildkit buildkit)/frontend/dockerfile/parser
lazify "$d/parser.go" 3 reWhitespace reHeredoc reLeadingTabs
lazy "$d" parser

d=$(copy github.com/docker/distribution docker-distribution)/registry/api/v2
lazify "$d/headerparser.go" 3 reToken reQuotedValue reEscapedCharacter
lazy "$d" v2
# its route descriptors' ParameterDescriptor.Regexp holds reference.
# NameRegexp and digest.DigestRegexp, lazy above: the field's type becomes
# the methods of theirs it offers (nothing in skiff's build reads it)
sub "$d/descriptors.go" 1 's/^\tRegexp \*regexp\.Regexp$/\tRegexp interface {\n\t\tMatchString(string) bool\n\t\tString() string\n\t}/'
unimport "$d/descriptors.go"

d=$(copy github.com/urfave/cli/v2 urfave-cli)
lazify "$d/flag.go" 1 commaWhitespace
lazy "$d" cli

# compose-go's template: DefaultPattern is a *regexp.Regexp handed to the
# package's functions, so it becomes defaultPattern(), compiled once on
# the first call (nothing outside the package reads it in skiff's build)
d=$(copy github.com/compose-spec/compose-go/v2 compose-go)/template
sub "$d/template.go" 1 '/^\tDefaultPattern = regexp\.MustCompile(patternString)$/d'
sub "$d/template.go" 2 's/\(pattern: *\|mapping, \)DefaultPattern\([,)]\)/\1defaultPattern()\2/'
sub "$d/variables.go" 1 's/^\t\tpattern = DefaultPattern$/\t\tpattern = defaultPattern()/'
grep -q 'DefaultPattern' "$d"/*.go && fail "$d: a use of DefaultPattern left"
cat >"$d/skiff_lazypattern.go" <<EOF
// Written by skiff's hack/lazy-regexps.sh: DefaultPattern is compiled on
// first use instead of in this package's init.

package template

import (
	"regexp"
	"sync"
)

var defaultPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(patternString) })
EOF

# no package-level MustCompile left in the files rewritten in this round
for f in "$out"/yaml-v3/{encode,resolve}.go "$out"/yaml-v4/internal/libyaml/{representer,resolver}.go \
	"$out"/stripansi/stripansi.go "$out"/image-v5/oci/internal/oci_util.go \
	"$out"/docker-distribution/registry/api/v2/headerparser.go "$out"/urfave-cli/flag.go; do
	grep -q '^\(var \)\?[ \t]*[A-Za-z0-9_]* *= regexp\.MustCompile(' "$f" && fail "$f: an eager expression left"
done
grep -q '^[ \t]*re[A-Z][A-Za-z]* *= regexp\.MustCompile(' "$out"/buildkit/frontend/dockerfile/parser/parser.go &&
	fail "buildkit's parser.go: an eager expression left"
true
