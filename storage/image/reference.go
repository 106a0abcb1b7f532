package image

import (
	"errors"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Normalize turns a user's image reference into docker's canonical form:
// "busybox" -> "docker.io/library/busybox:latest". A digest reference keeps
// its digest and loses any tag ("busybox:1@sha256:…" is pulled by digest,
// as docker does).
func Normalize(name string) (reference.Named, error) {
	ref, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, invalidReference(name, err)
	}
	if c, ok := ref.(reference.Canonical); ok {
		if _, tagged := ref.(reference.NamedTagged); tagged {
			return reference.WithDigest(reference.TrimNamed(ref), c.Digest())
		}
		return ref, nil
	}
	return reference.TagNameOnly(ref), nil
}

// invalidReference words a reference parse error as docker does ("invalid
// reference format"), plus what a good reference looks like.
func invalidReference(name string, err error) error {
	why := err.Error()
	switch {
	case name == "":
		return errdefs.Invalid("invalid reference format: the image name is empty; give NAME[:TAG] or NAME@DIGEST, e.g. busybox:latest")
	case errors.Is(err, reference.ErrNameContainsUppercase), strings.Contains(why, "must be lowercase"):
		why = "repository name must be lowercase"
	case errors.Is(err, reference.ErrTagInvalidFormat):
		why = "invalid tag (use letters, digits, '_', '.' and '-', at most 128 characters)"
	case errors.Is(err, reference.ErrDigestInvalidFormat):
		why = "invalid digest (expected sha256: and 64 hex digits)"
	case strings.Contains(why, "64-byte hexadecimal"):
		why = "a 64-character hex string is an image ID, not a name"
	case errors.Is(err, reference.ErrReferenceInvalidFormat):
		why = "not of the form NAME[:TAG] or NAME@DIGEST"
	}
	return errdefs.Invalid("invalid reference format: %s (%q); use NAME[:TAG] or NAME@DIGEST, e.g. busybox:latest", why, name)
}

// NormalizeTag parses the target of `tag`, `import REPO[:TAG]` and `commit`:
// a name with an optional tag, never a digest.
func NormalizeTag(name string) (reference.NamedTagged, error) {
	ref, err := Normalize(name)
	if err != nil {
		return nil, err
	}
	tagged, ok := ref.(reference.NamedTagged)
	if !ok {
		return nil, errdefs.Invalid("invalid reference format: a tag cannot carry a digest (%q); use NAME[:TAG]", name)
	}
	return tagged, nil
}

// Familiar is docker's short form of a stored name: "busybox:latest" for
// "docker.io/library/busybox:latest".
func Familiar(stored string) string {
	ref, err := reference.ParseNormalizedNamed(stored)
	if err != nil {
		return stored
	}
	return reference.FamiliarString(ref)
}

// RepoTag is one name of an image, split for display.
type RepoTag struct {
	Named      reference.Named
	Repository string // familiar repository: "busybox", "127.0.0.1:5000/app"
	Tag        string // "" for a digest-only name
	Digest     digest.Digest
}

// splitNames parses an image's stored names into tags and digest names;
// names that do not parse are skipped.
func splitNames(names []string) (tags, digests []RepoTag) {
	for _, n := range names {
		ref, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		rt := RepoTag{Named: ref, Repository: reference.FamiliarName(ref)}
		if t, ok := ref.(reference.NamedTagged); ok {
			rt.Tag = t.Tag()
		}
		if c, ok := ref.(reference.Canonical); ok {
			rt.Digest = c.Digest()
		}
		if rt.Tag != "" {
			tags = append(tags, rt)
		} else if rt.Digest != "" {
			digests = append(digests, rt)
		}
	}
	return tags, digests
}

// repoTags returns the familiar "repo:tag" names of an image.
func repoTags(names []string) []string {
	tags, _ := splitNames(names)
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Repository+":"+t.Tag)
	}
	return out
}

// repoDigests returns the familiar "repo@digest" names of an image: its
// digest names plus, for every repository it is tagged in, its manifest
// digests (as docker records the digest a tag was pulled by).
func repoDigests(names []string, digests []digest.Digest) []string {
	tags, dnames := splitNames(names)
	seen := map[string]bool{}
	out := []string{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, d := range dnames {
		add(d.Repository + "@" + d.Digest.String())
	}
	for _, t := range tags {
		for _, d := range digests {
			add(t.Repository + "@" + d.String())
		}
	}
	return out
}

// ShortID is docker's 12-character form of an image ID.
func ShortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Tags returns the tagged names among an image's stored names.
func Tags(names []string) []RepoTag {
	tags, _ := splitNames(names)
	return tags
}
