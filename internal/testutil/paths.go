package testutil

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// Module is skiff's module path, used to recognise the repository root.
const Module = "github.com/skiff-containers/skiff"

// RepoRoot is the nearest parent of the working directory whose go.mod
// declares skiff's module (go test runs in the package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module "+Module+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the skiff repository (no go.mod for " + Module + ")")
		}
		dir = parent
	}
}

// ImagesDir is where hack/make-test-images.sh leaves the test images
// (busybox.tar, debian.tar): $SKIFF_TEST_IMAGES, else
// <repo>/test/images/cache.
func ImagesDir() (string, error) {
	if d := os.Getenv("SKIFF_TEST_IMAGES"); d != "" {
		return filepath.Abs(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "test", "images", "cache"), nil
}
