package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/testutil"
)

func TestPullFromLoopbackRegistry(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	ref := RegistryImage(t, "busybox") // plain HTTP, no registries.conf entry
	e := New(t)

	r := e.Skiff("pull", ref).Success(t)
	for _, want := range []string{"latest: Pulling from library/busybox\n", ": Pull complete\n", "Digest: sha256:",
		"Status: Downloaded newer image for " + ref + "\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("pull output lacks %q:\n%s", want, r.Stdout)
		}
	}
	if lines := r.Lines(); lines[len(lines)-1] != ref {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], ref)
	}

	// layers already present are not downloaded again
	r = e.Skiff("pull", ref).Success(t)
	if !strings.Contains(r.Stdout, ": Already exists\n") || strings.Contains(r.Stdout, "Pull complete") ||
		!strings.Contains(r.Stdout, "Status: Image is up to date for "+ref) {
		t.Errorf("second pull:\n%s", r.Stdout)
	}
	if got := imageNames(e); got != ref {
		t.Errorf("images = %q", got)
	}
}

func TestPullShortNameFromMirror(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	RegistryImage(t, "busybox")
	e := New(t)
	e.RegistriesConf("docker.io")

	r := e.Skiff("pull", "busybox").Success(t)
	if !strings.HasPrefix(r.Stdout, "Using default tag: latest\nlatest: Pulling from library/busybox\n") ||
		r.Lines()[len(r.Lines())-1] != "docker.io/library/busybox:latest" {
		t.Errorf("pull busybox:\n%s", r.Stdout)
	}
	if got := imageNames(e); got != "busybox:latest" {
		t.Errorf("images = %q", got)
	}
	e.Skiff("run", "--rm", "busybox", "true").Success(t)
}

// A mirror on a loopback address is reached over plain HTTP even when
// registries.conf does not mark it insecure, as docker treats 127.0.0.0/8.
func TestPullLoopbackMirrorWithoutInsecure(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	RegistryImage(t, "busybox")
	e := New(t)
	conf := e.WriteFile("home/.config/containers/registries.conf", fmt.Sprintf(
		"[[registry]]\nprefix = \"docker.io\"\nlocation = \"docker.io\"\n[[registry.mirror]]\nlocation = %q\n", Registry(t).Addr))
	if !e.Rootless {
		e.Setenv("REGISTRIES_CONFIG_PATH", conf)
	}
	r := e.Skiff("pull", "-q", "busybox:latest").Success(t)
	if r.Out() != "docker.io/library/busybox:latest" {
		t.Errorf("pull -q printed %q", r.Out())
	}
}

func TestPullQuietAndTLSVerify(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	ref := RegistryImage(t, "busybox")
	e := New(t)

	r := e.Skiff("pull", "--tls-verify=true", ref)
	oneErrorLine(t, r, "--tls-verify=false")
	noImages(e)

	r = e.Skiff("pull", "-q", "--tls-verify=false", ref).Success(t)
	if r.Out() != ref {
		t.Errorf("pull -q printed %q", r.Stdout)
	}
	e.Skiff("image", "pull", "--quiet", ref).Success(t)
}

func TestPullErrors(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	reg := Registry(t).Addr
	ref := RegistryImage(t, "busybox")
	e := New(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pull", "BusyBox"}, "invalid reference format: repository name must be lowercase"},
		{[]string{"pull", "busy box"}, "invalid reference format"},
		{[]string{"pull", "busybox:"}, "invalid reference format"},
		{[]string{"pull", reg + "/e2e/nosuchrepo"}, "e2e/nosuchrepo"},
		{[]string{"pull", strings.TrimSuffix(ref, ":latest") + ":nosuchtag"}, "manifest unknown"},
		{[]string{"pull", "127.0.0.1:1/busybox"}, "unreachable"},
		{[]string{"pull", "--platform", "linux", ref}, "invalid platform"},
		{[]string{"pull"}, "requires exactly 1 argument"},
	} {
		oneErrorLine(t, e.Skiff(tc.args...), tc.want)
	}
	noImages(e)
}

// kill -9 in the middle of a pull leaves no image; the next pull works.
func TestPullKilled(t *testing.T) {
	Require(t, "debian")
	t.Parallel()
	ref := RegistryImage(t, "debian")
	e := New(t)
	for _, delay := range []time.Duration{0, 150 * time.Millisecond, 400 * time.Millisecond} {
		cmd := e.Cmd("pull", ref)
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitForOutput(out, "Pulling from", 5*time.Second)
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		switch names := imageNames(e); names {
		case "":
		case ref: // the pull finished before the kill
			e.Skiff("rmi", ref).Success(t)
		default:
			t.Fatalf("after kill -9 (%v): images %q", delay, names)
		}
	}
	e.Skiff("pull", "-q", ref).Success(t)
	e.Skiff("run", "--rm", ref, "true").Success(t)
	// the storage library's probe for ID-mapped layers (of no use to
	// skiff) forks the Go process; killed during it, a pull left that
	// child spinning with the store's locks: the probe never runs
	if probed, _ := filepath.Glob(filepath.Join(e.RunRoot, "storage", "overlay", "idmapped-lower-dir-*")); len(probed) > 0 {
		t.Errorf("the overlay driver probed for ID-mapped lower layers: %v", probed)
	}
}

// A registry that sends a layer other than the one the manifest names:
// the pull fails saying so and stores nothing.
func TestPullTamperedLayer(t *testing.T) {
	Require(t, "busybox")
	Require(t, "registry")
	t.Parallel()
	reg, err := testutil.StartRegistry(filepath.Join(t.TempDir(), "registry"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Stop)
	ref, err := reg.Push(context.Background(), fixture(t, "busybox.tar"), "e2e/tampered:latest")
	if err != nil {
		t.Fatal(err)
	}
	// the registry keeps each blob as blobs/sha256/XX/HEX/data: replace
	// the layer's (the gzip one) with another gzip stream
	var layer string
	_ = filepath.WalkDir(filepath.Join(reg.Dir, "storage"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "data" {
			if b, err := os.ReadFile(p); err == nil && len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
				layer = p
			}
		}
		return nil
	})
	if layer == "" {
		t.Fatal("no gzip layer blob in the registry's storage")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	_ = tw.WriteHeader(&tar.Header{Name: "evil", Mode: 0o644, Size: 4, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("evil"))
	_ = tw.Close()
	_ = zw.Close()
	if err := os.WriteFile(layer, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e := New(t)
	oneErrorLine(t, e.Skiff("pull", ref), filepath.Base(filepath.Dir(layer)))
	noImages(e)
	if left := storeFindings(t, e); len(left) > 0 {
		t.Errorf("system check after the failed pull: %s", strings.Join(left, "; "))
	}
}

// Two pulls of the same image at once both succeed.
func TestPullConcurrent(t *testing.T) {
	Require(t, "debian")
	t.Parallel()
	ref := RegistryImage(t, "debian")
	e := New(t)
	var outs [3]*syncBuffer
	cmds := make([]interface{ Wait() error }, 0, 3)
	for i := range outs {
		cmd := e.Cmd("pull", "-q", ref)
		outs[i] = &syncBuffer{}
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("pull %d: %v: %s", i, err, outs[i].String())
		}
	}
	if got := e.Skiff("images", "-q", "--no-trunc").Success(t).Lines(); len(got) != 1 {
		t.Errorf("images after concurrent pulls: %q", got)
	}
}

// pull --all-tags pulls every tag of a repository.
func TestPullAllTags(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	reg := Registry(t)
	var ref string
	for _, tag := range []string{"one", "two"} {
		r, err := reg.Push(context.Background(), fixture(t, "busybox.tar"), "alltags/box:"+tag)
		if err != nil {
			t.Fatal(err)
		}
		ref = r
	}
	repo := ref[:strings.LastIndex(ref, ":")]
	e := New(t)
	if got := e.Skiff("pull", "-a", "-q", repo).Success(t).Out(); got != repo {
		t.Errorf("pull -a printed %q, want %q", got, repo)
	}
	if got := imageNames(e); got != repo+":one "+repo+":two" && got != repo+":two "+repo+":one" {
		t.Errorf("images = %q", got)
	}
	oneErrorLine(t, e.Skiff("pull", "-a", repo+":one"), "tag can't be used with --all-tags")
}
