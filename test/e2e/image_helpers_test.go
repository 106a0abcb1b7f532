package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/testutil"
)

// repoFor is a repository in the shared registry that belongs to one test.
func repoFor(t *testing.T, reg string) string {
	name := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "-"))
	return reg + "/e2e/" + strings.Trim(name, "-")
}

// rootfsTar writes a small root file system tarball under the test's
// directory and returns its path.
func rootfsTar(e *Env, name string, files map[string]string) string {
	e.T.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "etc/"} {
		_ = tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Unix(1700000000, 0)})
	}
	for n, content := range files {
		hdr := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			e.T.Fatal(err)
		}
		_, _ = tw.Write([]byte(content))
	}
	if err := tw.Close(); err != nil {
		e.T.Fatal(err)
	}
	return e.WriteFile(name, buf.String())
}

// imageNames lists REPOSITORY:TAG of every image (`images --format`).
func imageNames(e *Env) string {
	e.T.Helper()
	r := e.Skiff("images", "-a", "--format", "{{.Repository}}:{{.Tag}}").Success(e.T)
	return strings.Join(r.Lines(), " ")
}

// imageID is the full ID of an image, without "sha256:".
func imageID(e *Env, name string) string {
	e.T.Helper()
	return strings.TrimPrefix(e.Skiff("image", "inspect", "--format", "{{.Id}}", name).Success(e.T).Out(), "sha256:")
}

// oneErrorLine checks docker's contract for skiff's own failures: exit
// 125 and exactly one line "Error: ..." on stderr containing want.
func oneErrorLine(t *testing.T, r Result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	var errs []string
	for _, l := range lines {
		if strings.HasPrefix(l, "Error: ") {
			errs = append(errs, l)
		}
	}
	if r.Code != 125 || len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Fatalf("%v: exit %d, stderr %q; want exit 125 and one Error line containing %q", r.Args[1:], r.Code, r.Stderr, want)
	}
}

// noImages checks that a failure left the store empty.
func noImages(e *Env) {
	e.T.Helper()
	if got := e.Skiff("images", "-a", "-q").Success(e.T).Out(); got != "" {
		e.T.Fatalf("images left behind: %q", got)
	}
}

// htpasswd holds user alice, password "secret" (bcrypt).
const htpasswd = "alice:$2a$10$UL31rEFs8ePEQtAqjLto6.RVwZBDN4j/U2akaxfB9oxfNwugFDzQi\n"

// startAuthRegistry starts a docker-registry that wants alice/secret, on
// a free loopback port, for this test only; it returns host:port.
func startAuthRegistry(t *testing.T) string {
	t.Helper()
	Require(t, "registry")
	dir := t.TempDir()
	port, err := testutil.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(htpasswd), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\nauth:\n  htpasswd:\n    realm: e2e\n    path: %s\n",
		filepath.Join(dir, "data"), addr, filepath.Join(dir, "htpasswd"))
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 250; i++ {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return addr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the auth registry on %s did not start", addr)
	return ""
}

// inspectImage decodes `image inspect` of one image.
func inspectImage(e *Env, name string) map[string]any {
	e.T.Helper()
	var out []map[string]any
	r := e.Skiff("image", "inspect", name).Success(e.T)
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out) != 1 {
		e.T.Fatalf("image inspect %s: %v: %s", name, err, r.Stdout)
	}
	return out[0]
}

// waitForOutput waits until the file has content or the time is up.
func waitForOutput(buf *syncBuffer, want string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if strings.Contains(buf.String(), want) {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// syncBuffer is a bytes.Buffer safe for a running command to write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
