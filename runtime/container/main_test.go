package container

import (
	"os"
	"testing"

	"go.podman.io/storage/pkg/reexec"
)

// TestMain lets the test binary play the roles the storage library
// re-executes itself as (storage-untar, which cp's extraction runs in).
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}
