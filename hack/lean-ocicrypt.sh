#!/bin/bash
# Writes a patched copy of github.com/containers/ocicrypt without its key
# provider protocol (and so without gRPC), and adds its replace directive
# to OUTDIR/go.mod (written by hack/lazy-jsonschema.sh first), for the
# Makefile's bin/skiff.
#
# Why: go.podman.io/image/v5/copy imports ocicrypt unconditionally, and
# ocicrypt's package imports its keywrap/keyprovider, which speaks gRPC to
# an external key provider. That brings google.golang.org/grpc,
# golang.org/x/net/trace, html/template and grpc's protobuf messages into
# every skiff process, and their package inits were a third of `skiff
# version`'s page faults and CPU (docs/internal.md, issue #18). skiff never
# encrypts or decrypts a layer (it passes image/v5 no OciEncryptConfig or
# OciDecryptConfig, so no key wrapper is ever asked for anything): the key
# providers ocicrypt's init registers from OCICRYPT_KEYPROVIDER_CONFIG
# cannot be reached from skiff.
#
# How: the module's sources (same version, tests left out) are copied to
# OUTDIR and encryption.go is rewritten there: its init keeps registering
# the pgp, jwe, pkcs7 and pkcs11 key wrappers and no longer reads the key
# provider configuration, so the keyprovider packages are no longer
# imported. A plain `go build` links the unpatched module.
#
# The script fails if the file does not have the expected shape (a new
# version): update the patterns, then check that `go version -m
# bin/skiff` lists no google.golang.org/grpc (TestBinaryLinksNoGRPC).
#
# Usage: hack/lean-ocicrypt.sh OUTDIR   (after hack/lazy-jsonschema.sh OUTDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/modpatch.sh "$@"

d=$(copy github.com/containers/ocicrypt ocicrypt)
f=$d/encryption.go
sub "$f" 1 '/^\tkeyproviderconfig "github.com\/containers\/ocicrypt\/config\/keyprovider-config"$/d'
sub "$f" 1 '/^\t"github.com\/containers\/ocicrypt\/keywrap\/keyprovider"$/d'
sub "$f" 1 '/^\tlog "github.com\/sirupsen\/logrus"$/d' # used only by the lines below
# the init's tail: reading the key provider configuration and registering
# a wrapper per provider (8 lines, up to the init's closing brace)
sub "$f" 8 '/^\tic, err := keyproviderconfig.GetConfiguration()$/,/^\t}$/d'
grep -q 'keyprovider' "$f" && fail "$f: a key provider reference left"
true
