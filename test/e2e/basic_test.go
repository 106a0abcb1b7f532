package e2e

import (
	"debug/buildinfo"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	e := New(t)
	r := e.Skiff("version").Success(t)
	for _, want := range []string{"Client:", "Version:", "API version:", "OS/Arch:"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("version output lacks %q:\n%s", want, r.Stdout)
		}
	}
	v := e.Skiff("version", "--format", "{{.Client.Version}}").Success(t).Out()
	if v == "" || strings.Contains(v, " ") {
		t.Fatalf("version --format {{.Client.Version}} = %q", v)
	}
	var parsed struct {
		Client, Server struct{ Version, GoVersion, Os, Arch string }
	}
	if err := json.Unmarshal([]byte(e.Skiff("version", "--format", "{{json .}}").Success(t).Stdout), &parsed); err != nil {
		t.Fatalf("version --format {{json .}}: %v", err)
	}
	if parsed.Client.Version != v || parsed.Server.Version != v || parsed.Client.Os != "linux" {
		t.Errorf("version JSON = %+v, want version %s", parsed, v)
	}
	for _, flag := range []string{"--version", "-v"} {
		out := e.Skiff(flag).Success(t).Out()
		if !strings.HasPrefix(out, "skiff version "+v) {
			t.Errorf("skiff %s = %q, want it to start with %q", flag, out, "skiff version "+v)
		}
	}
}

// TestBinaryLinksNoGRPC: the Makefile's build leaves ocicrypt's key
// provider protocol out (hack/lean-ocicrypt.sh), and with it gRPC, whose
// package inits were a third of every skiff process's start (issue #18),
// then protobuf (sigstore's algorithm registry and buildkit's stack
// message, hack/lean-protobuf.sh), and builds with the patched copies of
// the other modules (hack/lazy-*.sh).
func TestBinaryLinksNoGRPC(t *testing.T) {
	t.Parallel()
	info, err := buildinfo.ReadFile(suite.binary)
	if err != nil {
		t.Fatal(err)
	}
	patched := map[string]bool{}
	for _, dep := range info.Deps {
		if strings.HasPrefix(dep.Path, "google.golang.org/grpc") {
			t.Errorf("%s links %s %s: build it with make (hack/lean-ocicrypt.sh)", suite.binary, dep.Path, dep.Version)
		}
		if strings.HasPrefix(dep.Path, "google.golang.org/protobuf") || strings.HasPrefix(dep.Path, "google.golang.org/genproto") {
			t.Errorf("%s links %s %s: build it with make (hack/lean-protobuf.sh)", suite.binary, dep.Path, dep.Version)
		}
		if dep.Replace != nil {
			patched[dep.Path] = true
		}
	}
	for _, mod := range []string{
		"github.com/containers/ocicrypt", "github.com/santhosh-tekuri/jsonschema/v6", "github.com/distribution/reference",
		"go.podman.io/image/v5", "github.com/opencontainers/go-digest", "github.com/sigstore/sigstore", "github.com/moby/buildkit",
		"go.yaml.in/yaml/v3", "go.yaml.in/yaml/v4", "github.com/acarl005/stripansi", "github.com/docker/distribution",
		"github.com/urfave/cli/v2", "github.com/compose-spec/compose-go/v2", "github.com/ulikunitz/xz",
		"github.com/klauspost/compress", "github.com/vbatts/tar-split", "github.com/ProtonMail/go-crypto", "go.podman.io/storage",
	} {
		if !patched[mod] {
			t.Errorf("%s links %s unpatched: build it with make (hack/lazy-*.sh, hack/lean-*.sh, hack/quiet-mountpoints.sh)", suite.binary, mod)
		}
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	e := New(t)
	text := e.Skiff("info").Success(t).Stdout
	yes := map[bool]string{true: "yes", false: "no"}[e.Rootless]
	for _, want := range []string{"Storage Driver: ", "Docker Root Dir: " + e.Root, "Rootless: " + yes, "Cgroup Version: "} {
		if !strings.Contains(text, want) {
			t.Errorf("info lacks %q:\n%s", want, text)
		}
	}
	var info struct {
		Driver, DockerRootDir, RunRoot, OSType string
		Rootless                               bool
		Images                                 int
	}
	if err := json.Unmarshal([]byte(e.Skiff("info", "--format", "json").Success(t).Stdout), &info); err != nil {
		t.Fatalf("info --format json: %v", err)
	}
	if info.DockerRootDir != e.Root || info.RunRoot != e.RunRoot || info.Rootless != e.Rootless || info.OSType != "linux" {
		t.Errorf("info JSON = %+v; want root %s, runroot %s, rootless %v", info, e.Root, e.RunRoot, e.Rootless)
	}
	switch info.Driver {
	case "overlay", "fuse-overlayfs", "vfs":
	default:
		t.Errorf("storage driver %q", info.Driver)
	}
	if got := e.Skiff("info", "-f", "{{.Driver}}").Success(t).Out(); got != info.Driver {
		t.Errorf("info -f {{.Driver}} = %q, want %q", got, info.Driver)
	}
	if got := e.Skiff("info", "--format", "{{json .Images}}").Success(t).Out(); got != "0" {
		t.Errorf("images in a fresh root = %s", got)
	}
}

// Every usage error is one line on stderr, nothing on stdout, exit 125.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := New(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"info", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"info", "-Z"}, "unknown flag: -Z"},
		{[]string{"version", "extra"}, "accepts no arguments"},
		{[]string{"info", "extra"}, "accepts no arguments"},
		{[]string{"info", "--format"}, "flag needs an argument"},
		{[]string{"info", "--format", "{{.Nope"}, "template"},
		{[]string{"info", "--format", "{{.NoSuchField}}"}, "NoSuchField"},
		{[]string{"--log-level", "loud", "info"}, "--log-level"},
	} {
		r := e.Skiff(tc.args...).Fail(t, 125, tc.want)
		if lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n"); len(lines) != 1 {
			t.Errorf("%v: stderr has %d lines, want 1:\n%s", tc.args, len(lines), r.Stderr)
		}
		if !strings.HasPrefix(r.Stderr, "Error: ") {
			t.Errorf("%v: stderr = %q, want it to start with \"Error: \"", tc.args, r.Stderr)
		}
		if r.Stdout != "" {
			t.Errorf("%v: stdout = %q, want nothing", tc.args, r.Stdout)
		}
	}
	// the hint names the command the user typed, once
	r := e.Skiff("info", "--bogus")
	if !strings.Contains(r.Stderr, "'skiff info --help'") {
		t.Errorf("stderr %q does not point at 'skiff info --help'", r.Stderr)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	e := New(t)
	for _, args := range [][]string{{"--help"}, {"help"}} {
		out := e.Skiff(args...).Success(t).Stdout
		for _, want := range []string{"version", "info", "--root"} {
			if !strings.Contains(out, want) {
				t.Errorf("skiff %v lacks %q", args, want)
			}
		}
	}
	if out := e.Skiff("info", "--help").Success(t).Stdout; !strings.Contains(out, "--format") {
		t.Errorf("info --help lacks --format:\n%s", out)
	}
}

// Started through a link named docker, skiff calls itself docker.
func TestDockerArgv0(t *testing.T) {
	t.Parallel()
	e := New(t)
	help := e.Docker("--help").Success(t).Stdout
	if !strings.Contains(help, "Usage:  docker [OPTIONS] COMMAND") || !strings.Contains(help, "Run 'docker COMMAND --help'") {
		t.Errorf("docker --help does not say docker:\n%s", help)
	}
	// docker's own wording, capital D and all; podman's has no build
	if out := e.Docker("--version").Success(t).Out(); !regexp.MustCompile(`^Docker version \S+, build \S+$`).MatchString(out) {
		t.Errorf("docker --version = %q, want Docker version X, build Y", out)
	}
	if out := e.Podman("--version").Success(t).Out(); !regexp.MustCompile(`^podman version \S+$`).MatchString(out) {
		t.Errorf("podman --version = %q, want podman version X", out)
	}
	r := e.Docker("bogus").Fail(t, 125, "docker")
	if strings.Contains(r.Stderr, "skiff") {
		t.Errorf("docker bogus: error names skiff: %q", r.Stderr)
	}
	r = e.Docker("info", "--bogus").Fail(t, 125, "'docker info --help'")
	if strings.Contains(r.Stderr, "skiff") {
		t.Errorf("docker info --bogus: error names skiff: %q", r.Stderr)
	}
	if out := e.Docker("info", "--format", "{{.DockerRootDir}}").Success(t).Out(); out != e.Root {
		t.Errorf("docker info root = %q, want %q", out, e.Root)
	}
}
