// Package pathutil holds the lexical path tests several packages need.
package pathutil

import (
	"path/filepath"
	"strings"
)

// Within reports whether p is dir or lies below it, comparing the cleaned
// paths lexically (no symbolic link is followed): "/a/bc" is not within
// "/a/b", and every absolute path is within "/".
func Within(p, dir string) bool {
	p, dir = filepath.Clean(p), filepath.Clean(dir)
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
