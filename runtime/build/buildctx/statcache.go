package buildctx

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// statCache remembers the digest of a context file by its path and what
// stat says of it (size, mtime, ctime, inode): an unchanged file is not
// read again on the next build. A file changed without any of these
// changing (same size, times forged back) would be missed, the same
// trade make and BuildKit's own metadata cache make.
type statCache struct {
	path    string
	mu      sync.Mutex
	entries map[string]statEntry
	dirty   bool
}

type statEntry struct {
	Key string `json:"k"`
	Sum string `json:"s"`
}

func statKey(info fs.FileInfo) string {
	key := fmt.Sprintf("%d:%d", info.Size(), info.ModTime().UnixNano())
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		key += fmt.Sprintf(":%d:%d.%d", st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
	}
	return key
}

func loadStatCache(path string) *statCache {
	c := &statCache{path: path, entries: map[string]statEntry{}}
	if path == "" {
		return c
	}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &c.entries)
	}
	return c
}

func (c *statCache) lookup(path string, info fs.FileInfo) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok || e.Key != statKey(info) {
		return "", false
	}
	return e.Sum, true
}

func (c *statCache) store(path string, info fs.FileInfo, sum string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[path] = statEntry{Key: statKey(info), Sum: sum}
	c.dirty = true
}

// save writes the cache atomically; entries of files that no longer
// exist are dropped.
func (c *statCache) save() {
	if c.path == "" || !c.dirty {
		return
	}
	for p := range c.entries {
		if _, err := os.Lstat(p); err != nil {
			delete(c.entries, p)
		}
	}
	b, err := json.Marshal(c.entries)
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", c.path, os.Getpid())
	if os.WriteFile(tmp, b, 0o600) == nil {
		_ = os.Rename(tmp, c.path)
	}
}
