#!/bin/bash
# Writes patched copies of github.com/ulikunitz/xz,
# github.com/klauspost/compress, github.com/vbatts/tar-split and
# github.com/ProtonMail/go-crypto whose package inits no longer build
# tables that only a compression, a checksum or an OpenPGP key uses, and
# adds their replace directives to OUTDIR/go.mod (written by
# hack/lazy-jsonschema.sh first), for the Makefile's bin/skiff.
#
# Why: every skiff process links them (image/v5's compression, storage's
# layers), and their inits allocated 69 kB of tables (GODEBUG=inittrace=1
# bin/skiff version: xz 33 kB, klauspost's flate 27 kB, its
# internal/snapref 9 kB; with those deferred, tar-split's and zstd's
# inits built the same crc64 and crc32 tables): on a machine where a
# first touch of anonymous memory is slow, pages of every command's start
# (docs/internal.md, issue #18). Only a pull, a push, a load, a save, a
# build, a commit or a layer's checksum ever uses them.
#
# How: the modules' sources (same version, tests left out) are copied to
# OUTDIR (hack/modpatch.sh) and rewritten there:
# - xz's crc64Table (crc64.MakeTable(crc64.ECMA), which builds hash/crc64's
#   slicing-by-8 tables), tar-split's storage.CRCTable (the same for
#   crc64.ISO) and the crcTable of klauspost's internal/snapref and zstd
#   (crc32.MakeTable(crc32.Castagnoli)) become sync.OnceValue functions
#   of the same expression, called where the variable was read;
# - flate's init that builds huffOffset (the offset encoder of Huffman-only
#   blocks) is renamed initHuffOffset and run through a sync.Once by
#   lazyHuffOffset(), which stands where huffOffset was read (one place).
# - go-crypto's elliptic curve table, below.
# Each computes the same values as before, from constants, only on first
# use. A plain `go build` makes the same program with the eager inits.
#
# The script fails if a file does not have the expected shape (a new
# version): update the patterns, then check `GODEBUG=inittrace=1 bin/skiff
# version` (xz, flate, snapref, zstd and tar-split's storage under 8 kB).
#
# Usage: hack/lazy-tables.sh OUTDIR   (after hack/lazy-jsonschema.sh OUTDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/modpatch.sh "$@"

# lazyfile DIR PACKAGE IMPORTS DECLARATION: writes DECLARATION, with the
# imports it needs, into the package in DIR
lazyfile() {
	local imports=$3 i
	{
		printf '// Written by skiff'"'"'s hack/lazy-tables.sh: built on first use\n// instead of in this package'"'"'s init.\n\npackage %s\n\nimport (\n' "$2"
		for i in $imports; do printf '\t"%s"\n' "$i"; done
		printf ')\n\n%s\n' "$4"
	} >"$1/skiff_lazytables.go"
}

d=$(copy github.com/ulikunitz/xz xz)
sub "$d/crc.go" 1 '/^var crc64Table = crc64\.MakeTable(crc64\.ECMA)$/d'
sub "$d/crc.go" 1 's/crc64\.New(crc64Table)/crc64.New(crc64Table())/'
[ "$(cat "$d"/*.go | grep -c 'crc64Table')" = 2 ] || fail "$d: crc64Table read elsewhere" # the comment and the call
lazyfile "$d" xz "hash/crc64 sync" \
	'var crc64Table = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64.ECMA) })'

d=$(copy github.com/klauspost/compress klauspost-compress)
s=$d/internal/snapref
sub "$s/snappy.go" 1 '/^var crcTable = crc32\.MakeTable(crc32\.Castagnoli)$/d'
sub "$s/snappy.go" 1 's/crc32\.Update(0, crcTable, b)/crc32.Update(0, crcTable(), b)/'
[ "$(cat "$s"/*.go | grep -c 'crcTable')" = 1 ] || fail "$s: crcTable read elsewhere"
lazyfile "$s" snapref "hash/crc32 sync" \
	'var crcTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })'

s=$d/zstd
sub "$s/snappy.go" 1 '/^var crcTable = crc32\.MakeTable(crc32\.Castagnoli)$/d'
sub "$s/snappy.go" 1 's/crc32\.Update(0, crcTable, b)/crc32.Update(0, crcTable(), b)/'
[ "$(cat "$s"/*.go | grep -c 'crcTable')" = 1 ] || fail "$s: crcTable read elsewhere"
lazyfile "$s" zstd "hash/crc32 sync" \
	'var crcTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })'

f=$d/flate/huffman_bit_writer.go
sub "$f" 1 '/^var huffOffset \*huffmanEncoder$/,/^func init() {$/s/^func init() {$/func initHuffOffset() {/'
sub "$f" 1 's/^\(\t*w\.generateCodegen(numLiterals, numOffsets, w\.literalEncoding, \)huffOffset)$/\1lazyHuffOffset())/'
[ "$(cat "$d"/flate/*.go | grep -c 'huffOffset\b')" = 4 ] || fail "$d/flate: huffOffset used elsewhere"
lazyfile "$d/flate" flate "sync" 'var huffOffsetOnce sync.Once

func lazyHuffOffset() *huffmanEncoder {
	huffOffsetOnce.Do(initHuffOffset)
	return huffOffset
}'

# tar-split's storage.CRCTable (crc64.MakeTable(crc64.ISO): the same
# slicing-by-8 tables as xz's) becomes storage.CRCTable(), as in its
# one other reader, tar/asm
d=$(copy github.com/vbatts/tar-split tar-split)
sub "$d/tar/storage/getter.go" 1 '/^var CRCTable = crc64\.MakeTable(crc64\.ISO)$/d'
sub "$d/tar/storage/getter.go" 2 's/crc64\.New(CRCTable)/crc64.New(CRCTable())/'
sub "$d/tar/asm/assemble.go" 1 's/crc64\.New(storage\.CRCTable)/crc64.New(storage.CRCTable())/'
[ "$(grep -rh 'CRCTable' "$d" --include=*.go | grep -vc 'CRCTable()\|^//')" = 0 ] || fail "$d: CRCTable read elsewhere"
lazyfile "$d/tar/storage" storage "hash/crc64 sync" \
	'var CRCTable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64.ISO) })'

# ProtonMail/go-crypto's openpgp/internal/ecc: its Curves table builds
# the brainpool curves (all of them, big.Int by big.Int: 487 allocations)
# and is read only when an OpenPGP key's curve is looked up (verifying a
# signedBy policy's signature). The literal becomes allCurves(), built
# once by curves(), which stands where Curves was read (five loops; the
# package is internal and nothing else reads it).
d=$(copy github.com/ProtonMail/go-crypto go-crypto)/openpgp/internal/ecc
f=$d/curve_info.go
sub "$f" 1 's/^var Curves = \[\]CurveInfo{$/func allCurves() []CurveInfo {\n\treturn []CurveInfo{/'
sub "$f" 1 '/^func allCurves() \[\]CurveInfo {$/,/^}$/s/^}$/\t}\n} \/\/ allCurves/'
sub "$f" 5 's/^\(\tfor _, curveInfo := range \)Curves {$/\1curves() {/'
grep -rq '\bCurves\b' "$d"/*.go && fail "$d: Curves read elsewhere"
lazyfile "$d" ecc "sync" 'var curves = sync.OnceValue(allCurves)'
