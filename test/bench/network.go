package main

import (
	"archive/tar"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/skiff-containers/skiff/internal/testutil"
	"github.com/skiff-containers/skiff/internal/testutil/dockerarchive"
)

// networkFigures are issue #5's: a published port's throughput (a 200 MB
// download) and latency (small requests, a new connection each), the
// container serving with test/bench/webserver on -p 127.0.0.1:PORT:80.
// Rootless podman 4.3 forwards with rootlessport.
func networkFigures(runs int) []figure {
	return []figure{
		{
			// what the default network adds to a run: bridge, veth and
			// address here (pasta set up and kept by the keeper), podman's
			// own default (slirp4netns) there
			name: "run --rm busybox true on the default network", unit: "ms", summary: "median",
			measure: func(tl *tool, _ *fixtures) ([]float64, error) {
				s := tl.newStore()
				defer tl.remove(s)
				tar, err := copyForTool(tl, "busybox.tar")
				if err != nil {
					return nil, err
				}
				if _, err := tl.run(s, "load", "-i", tar); err != nil {
					return nil, err
				}
				return repeat(runs*2, func() (time.Duration, error) { return tl.run(s, "run", "--rm", "busybox", "true") })
			},
		},
		{
			name: "published port: 200 MB download", unit: "ms", summary: "median",
			measure: func(tl *tool, _ *fixtures) ([]float64, error) {
				return withWebServer(tl, func(base string) ([]float64, error) {
					var out []float64
					for i := 0; i < max(9, 2*runs); i++ {
						d, n, err := fetch(base + "/big")
						if err != nil {
							return nil, err
						}
						if n != 200<<20 {
							return nil, fmt.Errorf("downloaded %d bytes, want %d", n, 200<<20)
						}
						out = append(out, float64(d.Microseconds())/1000)
					}
					return out, nil
				})
			},
		},
		{
			name: "published port: small request, new connection", unit: "ms", summary: "median",
			measure: func(tl *tool, _ *fixtures) ([]float64, error) {
				return withWebServer(tl, func(base string) ([]float64, error) {
					return repeat(200, func() (time.Duration, error) {
						d, _, err := fetch(base + "/small")
						return d, err
					})
				})
			},
		},
	}
}

// withWebServer runs fn against a busybox httpd container published on a
// free loopback port of a fresh store, then removes it.
func withWebServer(tl *tool, fn func(base string) ([]float64, error)) ([]float64, error) {
	s := tl.newStore()
	defer tl.remove(s)
	tar, err := webserverImage(tl)
	if err != nil {
		return nil, err
	}
	if _, err := tl.run(s, "load", "-i", tar); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("bench-web-%d", port)
	if _, err := tl.run(s, "run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:80", port), webImage); err != nil {
		return nil, err
	}
	defer func() { _, _ = tl.run(s, "rm", "-f", name) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	var lastErr error
	for i := 0; i < 100; i++ {
		if _, _, lastErr = fetch(base + "/small"); lastErr == nil {
			return fn(base)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("the web server never answered: %v", lastErr)
}

// fetch GETs url (http://HOST:PORT/PATH) on a new connection with a plain
// HTTP/1.0 request read into a large buffer: the client must not be what
// limits a download. It returns the time and the body's size.
func fetch(url string) (time.Duration, int64, error) {
	rest := strings.TrimPrefix(url, "http://")
	host, path, _ := strings.Cut(rest, "/")
	start := time.Now()
	c, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	if _, err := fmt.Fprintf(c, "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host); err != nil {
		return 0, 0, err
	}
	// the head, then the body straight into /dev/null (splice: the client
	// copies nothing)
	head := make([]byte, 0, 4096)
	buf := make([]byte, 4096)
	var body int64
	for !strings.Contains(string(head), "\r\n\r\n") {
		m, err := c.Read(buf)
		head = append(head, buf[:m]...)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %v after %q", url, err, head)
		}
	}
	h, rest, _ := strings.Cut(string(head), "\r\n\r\n")
	body = int64(len(rest))
	if !strings.Contains(strings.SplitN(h, "\r\n", 2)[0], " 200 ") {
		return 0, 0, fmt.Errorf("%s: bad response %q", url, strings.SplitN(h, "\r\n", 2)[0])
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, err
	}
	defer null.Close()
	n, err := io.Copy(null, c)
	if err != nil {
		return 0, 0, err
	}
	return time.Since(start), body + n, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// webImage is the image webserverImage builds.
const webImage = "localhost/bench/webserver:latest"

// webserverImage builds test/bench/webserver statically and wraps it in a
// one-layer docker-archive image the tool's user can load.
func webserverImage(tl *tool) (string, error) {
	dst := filepath.Join(tl.dir, "webserver.tar")
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	dir, err := os.MkdirTemp("", "webserver")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "webserver")
	build := exec.Command("go", "build", "-o", bin, "./test/bench/webserver")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if root, err := testutil.RepoRoot(); err == nil {
		build.Dir = root
	}
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the benchmark's web server: %v: %s", err, out)
	}
	layer := filepath.Join(dir, "layer.tar")
	if err := tarOneFile(layer, bin, "webserver"); err != nil {
		return "", err
	}
	f, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	defer f.Close()
	epoch := time.Unix(1700000000, 0)
	img := dockerarchive.Image{
		RepoTags: []string{webImage}, Layers: []string{layer}, Created: epoch, CreatedBy: "test/bench",
		Config: ociv1.ImageConfig{Entrypoint: []string{"/webserver"}, ExposedPorts: map[string]struct{}{"80/tcp": {}}},
	}
	if err := dockerarchive.Write(f, []dockerarchive.Image{img}, epoch); err != nil {
		return "", err
	}
	return dst, os.Chown(dst, tl.uid, tl.gid)
}

// tarOneFile writes a layer holding src as /name (mode 0755).
func tarOneFile(dst, src, name string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(b)), ModTime: time.Unix(1700000000, 0)}); err != nil {
		return err
	}
	if _, err := tw.Write(b); err != nil {
		return err
	}
	return tw.Close()
}

// copyForTool copies a test image where the tool's user can read it.
func copyForTool(tl *tool, name string) (string, error) {
	dst := filepath.Join(tl.dir, name)
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	images, err := testutil.ImagesDir()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(images, name))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return "", err
	}
	return dst, os.Chown(dst, tl.uid, tl.gid)
}
