package image

import (
	"bytes"
	"testing"

	"go.podman.io/image/v5/types"
)

func TestProgressLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := startProgress(&buf, pullWords, "latest: Pulling from library/busybox")
	layer := types.BlobInfo{Digest: "sha256:d6593432d8ddc133c8681e1a7a34fd7768c407bddd03d7492bf041a8dce94f53", Size: 100,
		MediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip"}
	other := types.BlobInfo{Digest: "sha256:00dc404b429c0000000000000000000000000000000000000000000000000000", Size: 100}
	config := types.BlobInfo{Digest: "sha256:27d48d2233500e52058e68acd6484ba4ed4a66d83a4ba162d5e73e3c6d9bf3e9",
		MediaType: "application/vnd.docker.container.image.v1+json"}
	for _, ev := range []types.ProgressProperties{
		{Event: types.ProgressEventNewArtifact, Artifact: layer},
		{Event: types.ProgressEventRead, Artifact: layer, Offset: 50},
		{Event: types.ProgressEventSkipped, Artifact: other},
		{Event: types.ProgressEventDone, Artifact: layer, Offset: 100},
		{Event: types.ProgressEventNewArtifact, Artifact: config},
		{Event: types.ProgressEventDone, Artifact: config},
	} {
		p.channel() <- ev
	}
	p.finish(true)
	want := "latest: Pulling from library/busybox\n00dc404b429c: Already exists\nd6593432d8dd: Pull complete\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestProgressHeaderOnlyOnSuccess(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := startProgress(&buf, pushWords, "The push refers to repository [x]")
	p.finish(false)
	if buf.Len() != 0 {
		t.Errorf("failed copy printed %q", buf.String())
	}
	var nilp *progress
	nilp.finish(true) // no progress wanted: a no-op
	if nilp.channel() != nil {
		t.Error("nil progress has a channel")
	}
}
