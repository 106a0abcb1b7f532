#!/bin/bash
# Writes a patched copy of go.podman.io/storage whose layer store does not
# rewrite mountpoints.json when its content would not change, and adds its
# replace directive to OUTDIR/go.mod (written by hack/lazy-jsonschema.sh
# first), for the Makefile's bin/skiff and bin/skiff-faults.
#
# Why: the layer store saves its mount table (the run root's
# mountpoints.json: which layer is mounted where, how many times) with
# every save of its layer records, whether or not a mount changed, and
# each save is a new file, an fdatasync and a rename under the store's
# lock. Creating a container saves the layer records twice (marked
# incomplete, then complete) and removing one twice (marked incomplete,
# then gone), so four of the ten fdatasyncs of a create and an rm rewrote
# mountpoints.json with the bytes it already held (docs/internal.md,
# "Storage writes per container"). A --rm container's records are
# volatile (no fsync), so those four were four of its six.
#
# How: the module's sources (same version, tests left out) are copied to
# OUTDIR and layers.go's saveMounts is given a check before it records the
# write: when the file already holds exactly the bytes it would write, it
# only reloads it, as it does after a write. The file's content, what
# other processes see and when they reload, and what survives a crash are
# those of the library's write; only the identical rewrite is gone. Every
# save that changes a mount (Mount, Unmount, the deletion of a mounted
# layer) writes as before. A plain `go build` links the unpatched module.
#
# The script fails if the file does not have the expected shape (a new
# version): update the pattern, then count the fdatasyncs of a create as
# docs/internal.md says (three, not five).
#
# Usage: hack/quiet-mountpoints.sh OUTDIR   (after hack/lazy-jsonschema.sh OUTDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/modpatch.sh "$@"

d=$(copy go.podman.io/storage storage)
f=$d/layers.go
# saveMounts: mpath and jmdata are computed and the mounts lock is held
# for writing above this line, so the file cannot change under the check
sub "$f" 1 's|^\tlw, err := r.mountsLockfile.RecordWrite()$|\tif old, err := os.ReadFile(mpath); err == nil \&\& bytes.Equal(old, jmdata) {\n\t\treturn r.loadMounts() // skiff: the file holds these bytes already\n\t}\n\tlw, err := r.mountsLockfile.RecordWrite() // skiff: the bytes change|'
grep -q 'skiff: the file holds these bytes already' "$f" || fail "$f: the check is missing"
true
