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
// container serving with test/bench/webserver on -p 127.0.0.1:PORT:80;
// and issue #18's: the throughput against the same server on the host's
// loopback, and a run on the default network 2 s after the previous
// command (what the network's linger saves). Rootless podman 4.3
// forwards with rootlessport.
func networkFigures(runs int) []figure {
	return []figure{
		// what the default network adds to a run: bridge, veth and
		// address here (pasta set up and kept by the keeper), podman's
		// own default (slirp4netns) there
		{name: "run --rm busybox true on the default network", unit: "ms", summary: "median", measure: runDefault(runs*2, 0)},
		{name: "the same, 2 s after the previous command", unit: "ms", summary: "median", measure: runDefault(runs*2, pause)},
		{
			name: "published port: 200 MB download", unit: "ms", summary: "median",
			measure: func(tl *tool, _ *fixtures) ([]float64, error) {
				samples, err := downloadsOnce(tl, "port", max(9, 2*runs))
				return samples["port"], err
			},
		},
		{
			// the physical limit: the same server on the host's loopback,
			// measured alternately with the published port
			name: "published port: 200 MB download, % of the host's speed", unit: "%", summary: "median",
			measure: func(tl *tool, _ *fixtures) ([]float64, error) {
				samples, err := downloadsOnce(tl, "%", max(9, 2*runs))
				return samples["%"], err
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

// runDefault measures n of `run --rm busybox true` on the default
// network, each after pause.
func runDefault(n int, pause time.Duration) func(*tool, *fixtures) ([]float64, error) {
	return func(tl *tool, _ *fixtures) ([]float64, error) {
		s := tl.newStore()
		defer tl.remove(s)
		tar, err := copyForTool(tl, "busybox.tar")
		if err != nil {
			return nil, err
		}
		if _, err := tl.run(s, "load", "-i", tar); err != nil {
			return nil, err
		}
		return repeatAfter(n, pause, func() (time.Duration, error) { return tl.run(s, "run", "--rm", "busybox", "true") })
	}
}

// downloadsOnce measures the downloads once for both figures that report
// them: the i-th call of each figure (which, its name) for a tool gets
// the i-th set of samples (with -interleave a figure is measured once a
// round), measured by whichever figure asks first.
var downloadsOnce = func() func(tl *tool, which string, n int) (map[string][]float64, error) {
	type result struct {
		m   map[string][]float64
		err error
	}
	done := map[*tool][]result{}
	calls := map[string]int{}
	return func(tl *tool, which string, n int) (map[string][]float64, error) {
		key := fmt.Sprintf("%p %s", tl, which)
		i := calls[key]
		calls[key]++
		if i < len(done[tl]) {
			return done[tl][i].m, done[tl][i].err
		}
		var m map[string][]float64
		_, err := withWebServer(tl, func(base string) ([]float64, error) {
			var err error
			m, err = downloads(tl, base, n)
			return nil, err
		})
		done[tl] = append(done[tl], result{m, err})
		return m, err
	}
}()

// downloads fetches /big n times through the published port at base and
// as often from the same server run on the host's loopback, alternately:
// "port" are the published port's times (ms), "%" the host's time over
// the port's, in percent.
func downloads(tl *tool, base string, n int) (map[string][]float64, error) {
	host, stop, err := hostWebServer(tl)
	if err != nil {
		return nil, err
	}
	defer stop()
	big := func(url string) (time.Duration, error) {
		d, size, err := fetch(url + "/big")
		if err == nil && size != 200<<20 {
			err = fmt.Errorf("downloaded %d bytes, want %d", size, 200<<20)
		}
		return d, err
	}
	out := map[string][]float64{}
	for range n {
		dh, err := big(host)
		if err != nil {
			return nil, fmt.Errorf("from the host: %v", err)
		}
		dp, err := big(base)
		if err != nil {
			return nil, err
		}
		out["port"] = append(out["port"], float64(dp.Microseconds())/1000)
		out["%"] = append(out["%"], 100*dh.Seconds()/dp.Seconds())
	}
	return out, nil
}

// hostWebServer runs test/bench/webserver on a free loopback port of the
// host and returns its base URL.
func hostWebServer(tl *tool) (string, func(), error) {
	bin, err := webserverBinary(tl)
	if err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, addr)
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	base := "http://" + addr
	for range 100 {
		if _, _, err = fetch(base + "/small"); err == nil {
			return base, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("the web server on the host never answered: %v", err)
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

// webserverBinary builds test/bench/webserver statically, once per tool.
func webserverBinary(tl *tool) (string, error) {
	bin := filepath.Join(tl.dir, "webserver")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	build := exec.Command("go", "build", "-o", bin, "./test/bench/webserver")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if root, err := testutil.RepoRoot(); err == nil {
		build.Dir = root
	}
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the benchmark's web server: %v: %s", err, out)
	}
	return bin, nil
}

// webserverImage wraps webserverBinary in a one-layer docker-archive
// image the tool's user can load.
func webserverImage(tl *tool) (string, error) {
	dst := filepath.Join(tl.dir, "webserver.tar")
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	bin, err := webserverBinary(tl)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "webserver")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
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
