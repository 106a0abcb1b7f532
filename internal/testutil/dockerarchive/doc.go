// Package dockerarchive writes docker-archive files (the `docker save`
// format) and their layer tars deterministically: the same input always
// gives the same bytes, so test images have the same digests on every
// machine. hack/mkimage and test/bench use it.
//
// It imports nothing of skiff and no container library beyond the OCI
// image-spec types.
package dockerarchive
