// Package testutil holds what skiff's end-to-end tests (test/e2e), the
// benchmark (test/bench) and the test-image builder (hack/mkimage) share:
// a real registry process (Debian's docker-registry) on a loopback port,
// deterministic layer tars and docker-archive files, pushing an archive into
// a registry, and where the test images live.
//
// It is test infrastructure: the skiff binary never imports it, and it must
// not import commands, runtime, storage, netns or rootless (the tests treat
// skiff as a black box).
package testutil
