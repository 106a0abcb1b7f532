package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
)

// download is one ADD URL, fetched into the build's temporary directory.
type download struct {
	name  string // the file's name in the image: the URL's last segment
	path  string
	sum   string
	mtime time.Time
	size  int64
}

// info describes the downloaded file as docker adds it: mode 0600, the
// server's Last-Modified time.
func (d download) info() fs.FileInfo { return fileInfo{d} }

type fileInfo struct{ d download }

func (f fileInfo) Name() string       { return f.d.name }
func (f fileInfo) Size() int64        { return f.d.size }
func (f fileInfo) Mode() fs.FileMode  { return 0o600 }
func (f fileInfo) ModTime() time.Time { return f.d.mtime }
func (f fileInfo) IsDir() bool        { return false }
func (f fileInfo) Sys() any           { return nil }

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func isGitURL(s string) bool {
	u, err := url.Parse(s)
	return strings.HasPrefix(s, "git@") || (err == nil && strings.HasSuffix(u.Path, ".git")) || strings.Contains(s, ".git#")
}

// download fetches u (every build: the content decides the cache, as in
// docker) and checks --checksum.
func (x *stageRun) download(ctx context.Context, sp copySpec, u string) (download, error) {
	d := download{}
	pu, err := url.Parse(u)
	if err != nil {
		return d, x.errorf(sp.cmd, "ADD %s: %v", u, err)
	}
	d.name = path.Base(pu.Path)
	if d.name == "/" || d.name == "." || d.name == "" {
		d.name = "index.html"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return d, x.errorf(sp.cmd, "ADD %s: %v", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return d, x.errorf(sp.cmd, "ADD %s: downloading failed: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, x.errorf(sp.cmd, "ADD %s: the server answered %s", u, resp.Status)
	}
	f, err := os.CreateTemp(x.b.tmp, "add-*")
	if err != nil {
		return d, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if err != nil {
		return d, x.errorf(sp.cmd, "ADD %s: downloading failed: %v", u, err)
	}
	d.path, d.size, d.sum = f.Name(), n, "sha256:"+hex.EncodeToString(h.Sum(nil))
	d.mtime = time.Now()
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		d.mtime = lm
	}
	if sp.checksum != "" && sp.checksum != d.sum {
		return d, x.errorf(sp.cmd, "ADD %s: checksum mismatch: expected %s, got %s", u, sp.checksum, d.sum)
	}
	if sp.checksum != "" && !strings.HasPrefix(sp.checksum, "sha256:") {
		return d, x.errorf(sp.cmd, "ADD --checksum=%s: give sha256:HEX", sp.checksum)
	}
	fmt.Fprintf(x.out, "Downloading %s (%d bytes)\n", u, n)
	return d, nil
}
