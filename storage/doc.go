// Package storage opens skiff's image and layer store: go.podman.io/storage
// with the driver skiff chooses (native overlay, fuse-overlayfs or vfs) and
// the paths it uses, rootless or not. Sub-packages own images (image) and
// named volumes (volume).
//
// It must not import runtime, netns or rootless: callers pass plain values
// (paths, whether the process is rootless).
package storage
