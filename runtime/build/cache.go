package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.podman.io/image/v5/manifest"
)

// cache is the build cache's index: one small file per step key under
// <root>/skiff/build/cache/, naming the image the step made and carrying
// that image's configuration and top layer. A fully cached rebuild reads
// these files and checks that the images still exist (one listing of the
// store's images), and never reads an image configuration or starts a
// container. An entry whose image was removed is a miss and is replaced.
//
// The images themselves are ordinary untagged images, each recording its
// parent (the previous step's image): `images` hides them and `image
// prune` keeps them while a later step's image stands on them (docker's
// intermediate images).
type cache struct {
	dir string
}

// cacheEntry is one step's result.
type cacheEntry struct {
	ID       string                 `json:"id"`
	TopLayer string                 `json:"top,omitempty"`
	Config   *manifest.Schema2Image `json:"config"`
}

// key is a step's cache key: what it is built on, the instruction, the
// build args in scope and, for COPY and ADD, its sources' content.
func key(parent, instruction string, args []string, content string) string {
	h := sha256.New()
	fmt.Fprintf(h, "parent %s\ninstruction %s\n", parent, instruction)
	fmt.Fprintf(h, "args %s\ncontent %s\n", strings.Join(args, "\x00"), content)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *cache) path(k string) string { return filepath.Join(c.dir, k[:2], k) }

// get returns the entry for k, or nil.
func (c *cache) get(k string) *cacheEntry {
	b, err := os.ReadFile(c.path(k))
	if err != nil {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.ID == "" || e.Config == nil {
		return nil
	}
	return &e
}

// put records k's result (atomically; a concurrent build writing the same
// key writes an equally good entry).
func (c *cache) put(k string, e *cacheEntry) {
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	p := c.path(k)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", p, os.Getpid())
	if os.WriteFile(tmp, b, 0o600) != nil {
		return
	}
	if os.Rename(tmp, p) != nil {
		os.Remove(tmp)
	}
}

// drop removes a stale entry.
func (c *cache) drop(k string) { os.Remove(c.path(k)) }
