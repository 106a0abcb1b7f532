#!/bin/bash
# Writes a patched copy of github.com/santhosh-tekuri/jsonschema/v6 and a
# go.mod replacing the module with it (for `go build -modfile`), so that
# the library compiles its JSON Schema meta-schemas on first use instead of
# in its package init. Used by the Makefile's bin/skiff only.
#
# Why: compose-go's loader imports its schema package, which imports
# jsonschema/v6, whose init() compiles the meta-schemas of drafts 4 to
# 2020-12. Go runs every linked package's init in every process, so that
# cost (about 23 million instructions and 1.7 MB in 21 thousand
# allocations, half of `skiff version`) fell on every skiff command and on
# every helper process skiff starts, while only the commands that load a
# compose file ever validate one. Nothing in the library or in compose-go
# can defer it, and a process cannot skip a package's init, so the build
# renames that init and runs it once, from the only place that reads what
# it computes (the dialect's meta-schema lookup, reached when a schema is
# compiled or validated).
#
# How: Go refuses -overlay for files in the module cache, so the module's
# sources (same version, tests left out) are copied to OUTDIR, draft.go is
# rewritten there, and OUTDIR/go.mod is the project's go.mod with a
# replace directive pointing at that copy, for `go build -modfile`. Nothing
# of the library is kept in the repository, and a plain `go build` makes
# the same program, only with the eager init.
#
# The script fails if the source does not have the expected shape (a new
# jsonschema version): update the patterns, then check that
# `GODEBUG=inittrace=1 bin/skiff version` shows jsonschema's init at a few
# kB, not 1.7 MB (docs/internal.md).
#
# Usage: hack/lazy-jsonschema.sh OUTDIR   (then go build -modfile OUTDIR/go.mod)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: hack/lazy-jsonschema.sh OUTDIR}
GO=${GO:-go}

mod=github.com/santhosh-tekuri/jsonschema/v6
dir=$($GO list -m -f '{{.Dir}}' $mod)
if [ -z "$dir" ]; then
	$GO mod download $mod
	dir=$($GO list -m -f '{{.Dir}}' $mod)
fi
out=$(mkdir -p "$out" && cd "$out" && pwd)
copy=$out/jsonschema-v6
rm -rf "$copy" && mkdir -p "$copy"
cp "$dir"/LICENSE "$dir"/go.mod "$copy"/
cp -r "$dir"/kind "$dir"/metaschemas "$copy"/
for f in "$dir"/*.go; do
	case $f in *_test.go) ;; *) cp "$f" "$copy"/ ;; esac
done
chmod -R u+w "$copy"

src=$dir/draft.go
dst=$copy/draft.go
sed -e 's/^func init() {$/func compileDrafts() {/' \
	-e 's/^func (d \*dialect) getSchema(\(.*\)) \*Schema {$/&\n\tdraftsOnce.Do(compileDrafts)/' \
	-e 's/^import ($/import (\n\t"sync"/' \
	"$src" >"$dst"
printf '\n// draftsOnce runs compileDrafts (the package init, renamed by skiff'"'"'s\n// hack/lazy-jsonschema.sh) on first use.\nvar draftsOnce sync.Once\n' >>"$dst"

# each rewrite must have happened exactly once, and no other init is left
for want in '^func compileDrafts() {$' '^	draftsOnce.Do(compileDrafts)$' '^	"sync"$'; do
	if [ "$(grep -c "$want" "$dst")" != 1 ]; then
		echo "hack/lazy-jsonschema.sh: $src does not have the expected shape (looking for $want): update the script" >&2
		exit 1
	fi
done
if grep -q '^func init()' "$copy"/*.go; then
	echo "hack/lazy-jsonschema.sh: $mod has another init(): update the script" >&2
	exit 1
fi
cp go.sum "$out"/go.sum
{ cat go.mod; printf '\nreplace %s => %s\n' "$mod" "$copy"; } >"$out"/go.mod
