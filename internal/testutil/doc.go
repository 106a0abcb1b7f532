// Package testutil holds what skiff's end-to-end tests (test/e2e) and the
// benchmark (test/bench) share: a real registry process (Debian's
// docker-registry) on a loopback port, pushing an archive into it through
// go.podman.io/image, and where the test images live. Subpackage
// dockerarchive writes the deterministic test image archives.
//
// It is test infrastructure: the skiff binary never imports it, and it must
// not import commands, runtime, storage, netns or rootless (the tests treat
// skiff as a black box).
package testutil
