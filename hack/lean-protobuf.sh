#!/bin/bash
# Writes patched copies of github.com/sigstore/sigstore and
# github.com/moby/buildkit without the parts that link protobuf, and adds
# their replace directives to OUTDIR/go.mod (written by
# hack/lazy-jsonschema.sh first), for the Makefile's bin/skiff.
#
# Why: after hack/lean-ocicrypt.sh, two chains still linked
# google.golang.org/protobuf into every skiff process, and the package
# inits of protobuf's descriptors (descriptorpb, genproto's annotations,
# sigstore's messages) were the largest third-party part of `skiff
# version`'s start (docs/internal.md, issue #18):
#
# - go.podman.io/image/v5/signature{,/internal,/sigstore} (through
#   image/v5/copy) -> github.com/sigstore/sigstore/pkg/signature ->
#   algorithm_registry.go -> github.com/sigstore/protobuf-specs common/v1
#   -> genproto's api/annotations -> protobuf's descriptorpb. image/v5
#   calls only LoadVerifier, LoadECDSASigner and the Load*SignerVerifier
#   of a key type; the algorithm registry is reached only from
#   LoadDefaultSigner, LoadDefaultSignerVerifier, LoadDefaultVerifier and
#   their *FromAlgorithmDetails, which nothing in skiff's build calls.
#   util.go (SignImage, VerifyImageSignature: cosign payloads, the only
#   users of pkg/signature/payload and so of go-containerregistry's
#   pkg/name) is not called either.
# - github.com/moby/buildkit/frontend/dockerfile/parser ->
#   buildkit/util/stack, for stack.Enable (add a pkg/errors stack to an
#   error that has none). The package's other half is a protobuf message
#   (Stack) for sending stacks over gRPC: Traces, Wrap, Formatter and
#   convertStack use it, and its init registers it with
#   containerd/typeurl, whose registry only util/stack uses in skiff's
#   build. The parser is the only importer of util/stack there, and it
#   calls Enable only.
#
# How: the modules' sources (same version, tests left out) are copied to
# OUTDIR; in sigstore, algorithm_registry.go and util.go are left out and
# the six functions above deleted from signer.go, signerverifier.go and
# verifier.go; in buildkit, util/stack keeps Enable, Helper,
# SetVersionInfo and hasLocalStackTrace (same code), and the Stack
# message, its generated files and the functions using it are left out.
# What is left behaves as before; anything in skiff's build that called
# a deleted function would not compile. A plain `go build` links the
# unpatched modules.
#
# The script fails if a file does not have the expected shape (a new
# version): update the patterns, then check that `go version -m
# bin/skiff` lists no google.golang.org/protobuf (TestBinaryLinksNoGRPC).
#
# Usage: hack/lean-protobuf.sh OUTDIR   (after hack/lazy-jsonschema.sh OUTDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/modpatch.sh "$@"

# sigstore: pkg/signature without the algorithm registry and util.go
d=$(copy github.com/sigstore/sigstore sigstore)/pkg/signature
for f in algorithm_registry.go util.go; do
	[ -f "$d/$f" ] || fail "$d/$f: not there"
	rm "$d/$f"
done
drop "$d/signer.go" LoadDefaultSigner LoadSignerFromAlgorithmDetails
drop "$d/signerverifier.go" LoadDefaultSignerVerifier LoadSignerVerifierFromAlgorithmDetails
drop "$d/verifier.go" LoadDefaultVerifier LoadVerifierFromAlgorithmDetails
grep -q 'AlgorithmDetails\|protobuf-specs\|sigpayload\|go-containerregistry' "$d"/*.go &&
	fail "$d: a reference to the algorithm registry or util.go left"

# buildkit: util/stack without its protobuf message
d=$(copy github.com/moby/buildkit buildkit)/util/stack
for f in stack.pb.go stack_vtproto.pb.go compress.go; do
	[ -f "$d/$f" ] || fail "$d/$f: not there"
	rm "$d/$f"
done
[ "$(ls "$d"/*.go)" = "$d/stack.go" ] || fail "$d: a file other than stack.go left"
f=$d/stack.go
drop "$f" Traces traces Wrap Formatter formatter formatter.Format convertStack withStackError \
	withStackError.Unwrap withStackError.StackTrace
sub "$f" 1 '/^\ttypeurl.Register((\*Stack)(nil), "github.com\/moby\/buildkit", "stack.Stack+json")$/d'
# the imports only the deleted code used
sub "$f" 6 '/^\t"github.com\/containerd\/typeurl\/v2"$/d; /^\t"fmt"$/d; /^\tio "io"$/d; /^\t"os"$/d; /^\t"strconv"$/d; /^\t"strings"$/d'
grep -Eq '(^|[^A-Za-z])Stack([^A-Za-z]|$)|typeurl|proto' "$f" && fail "$f: a reference to the Stack message left"
true
