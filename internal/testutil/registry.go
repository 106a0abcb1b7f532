package testutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// RegistryBinary is Debian's distribution 2.8 registry (package
// docker-registry).
const RegistryBinary = "docker-registry"

// Registry is a docker-registry process serving plain HTTP on a loopback
// port, with its storage in a directory of its own.
type Registry struct {
	// Addr is "127.0.0.1:PORT".
	Addr string
	// Dir holds the configuration, the storage and registry.log.
	Dir string
	cmd *exec.Cmd
}

// StartRegistry starts a registry whose files live under dir (created if
// needed) on a free loopback port, and waits until it answers /v2/.
func StartRegistry(dir string) (*Registry, error) {
	bin, err := exec.LookPath(RegistryBinary)
	if err != nil {
		return nil, fmt.Errorf("%s not found: apt-get install docker-registry", RegistryBinary)
	}
	var lastErr error
	for range 5 { // another process may take the port between probe and bind
		r, err := startRegistryOnce(bin, dir)
		if err == nil {
			return r, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startRegistryOnce(bin, dir string) (*Registry, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	r := &Registry{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir}
	if err := os.MkdirAll(filepath.Join(dir, "storage"), 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(conf, []byte(registryConfig(filepath.Join(dir, "storage"), r.Addr)), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "registry.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	r.cmd = exec.Command(bin, "serve", conf)
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- r.cmd.Wait() }()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("%s exited at start (%v): %s", bin, err, lastLines(string(b), 5))
		case <-deadline:
			_ = r.cmd.Process.Kill()
			return nil, fmt.Errorf("%s did not answer on %s within 15s", bin, r.Addr)
		case <-time.After(20 * time.Millisecond):
		}
		if resp, err := http.Get("http://" + r.Addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
		}
	}
}

func registryConfig(storage, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
`, storage, addr)
}

// Stop kills the registry process; its directory is left to the caller.
func (r *Registry) Stop() {
	if r == nil || r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for r.cmd.Process.Signal(syscall.Signal(0)) == nil {
			time.Sleep(10 * time.Millisecond)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
	}
}

// Push copies the single image in the docker-archive file archivePath to
// REPO[:TAG] in the registry (e.g. "library/busybox:latest") and returns
// the full reference "127.0.0.1:PORT/REPO:TAG". It uses go.podman.io/image
// directly, so tests of skiff's pull do not depend on skiff's push.
func (r *Registry) Push(ctx context.Context, archivePath, repoTag string) (string, error) {
	dest := r.Addr + "/" + repoTag
	if err := CopyImage(ctx, "docker-archive:"+archivePath, "docker://"+dest); err != nil {
		return "", err
	}
	return dest, nil
}

// CopyImage copies an image between two go.podman.io/image transport
// references ("docker-archive:PATH", "docker://HOST/REPO:TAG"), talking to
// registries over plain HTTP and without signature checks.
func CopyImage(ctx context.Context, src, dest string) error {
	srcRef, err := parseTransportRef(src)
	if err != nil {
		return err
	}
	destRef, err := parseTransportRef(dest)
	if err != nil {
		return err
	}
	policy, err := signature.NewPolicyContext(&signature.Policy{
		Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return err
	}
	defer func() { _ = policy.Destroy() }()
	// keep go.podman.io/image away from the host's caches and credentials
	tmp, err := os.MkdirTemp("", "skiff-copy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "registries.conf"), nil, 0o600); err != nil {
		return err
	}
	sys := &types.SystemContext{
		DockerInsecureSkipTLSVerify: types.OptionalBoolTrue,
		BlobInfoCacheDir:            tmp,
		AuthFilePath:                filepath.Join(tmp, "auth.json"),
		SystemRegistriesConfPath:    filepath.Join(tmp, "registries.conf"),
	}
	if _, err := copy.Image(ctx, policy, destRef, srcRef, &copy.Options{SourceCtx: sys, DestinationCtx: sys}); err != nil {
		return fmt.Errorf("copying %s to %s: %w", src, dest, err)
	}
	return nil
}

func parseTransportRef(s string) (types.ImageReference, error) {
	switch {
	case strings.HasPrefix(s, "docker-archive:"):
		return archive.ParseReference(strings.TrimPrefix(s, "docker-archive:"))
	case strings.HasPrefix(s, "docker://"):
		return docker.ParseReference(strings.TrimPrefix(s, "docker:"))
	}
	return nil, errors.New("unsupported image reference " + s + ": use docker-archive:PATH or docker://REF")
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
