package compose

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// golden compares got, as JSON with the paths of paths replaced by
// their names (paths under the checkout and temporary directories
// vary), with testdata/NAME.golden.json; UPDATE_GOLDEN=1 writes it
// instead.
func golden(t *testing.T, name string, got any, paths map[string]string) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range paths {
		b = bytes.ReplaceAll(b, []byte(path), []byte(name))
	}
	var normalised any
	if err := json.Unmarshal(b, &normalised); err != nil {
		t.Fatal(err)
	}
	if b, err = json.MarshalIndent(normalised, "", "  "); err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from what the conversion gives (UPDATE_GOLDEN=1 rewrites it after checking the diff):\n%s", path, diffLines(string(want), string(b)))
	}
}

// diffLines shows the first lines that differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < max(len(w), len(g)) && len(out) < 20; i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out = append(out, "- "+a, "+ "+b)
		}
	}
	return strings.Join(out, "\n")
}

// loadFields loads testdata/fields, whose services use every field of
// issue 12's list that becomes a container option.
func loadFields(t *testing.T) (*Project, string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "fields"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("API_KEY", "from-the-environment")
	p, err := Load(context.Background(), LoadOptions{Files: []string{filepath.Join(dir, "compose.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	return p, dir
}

// Every service of testdata/fields as run's options: the golden file is
// what `docker run` would have been given, after run's own parsers.
func TestCreateOptionsGolden(t *testing.T) {
	p, dir := loadFields(t)
	files := t.TempDir()
	p.WithFilesDir(files)
	resolve := func(svc string) (string, error) { return "id-of-" + svc, nil }
	out := map[string]any{}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if err := resolveRefs(&s, resolve); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		labels := p.containerLabels(&s, 1, "HASH", "sha256:IMAGE", false)
		o, err := p.CreateOptions(&s, ContainerName(p.Name, &s, 1), labels, resolve)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = o
	}
	golden(t, "create-options", out, map[string]string{"$FILES": files, "$PROJECT": dir})
	// the secret from the environment was written for its bind mount
	if b, err := os.ReadFile(filepath.Join(files, "secrets", "envsecret")); err != nil || string(b) != "from-the-environment" {
		t.Errorf("secret from the environment: %q, %v", b, err)
	}
}

// The same project's model as compose-go normalises it (what `config`
// prints and the hash covers).
func TestModelGolden(t *testing.T) {
	p, dir := loadFields(t)
	golden(t, "model", p.Project, map[string]string{"$PROJECT": dir})
}

func TestPorts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   types.ServicePortConfig
		want string
	}{
		{types.ServicePortConfig{Target: 80}, "80"},
		{types.ServicePortConfig{Target: 80, Published: "8080"}, "8080:80"},
		{types.ServicePortConfig{Target: 80, Published: "8080", Protocol: "tcp"}, "8080:80/tcp"},
		{types.ServicePortConfig{Target: 53, Published: "53", Protocol: "udp"}, "53:53/udp"},
		{types.ServicePortConfig{Target: 80, HostIP: "127.0.0.1"}, "127.0.0.1::80"},
		{types.ServicePortConfig{Target: 80, Published: "8080", HostIP: "127.0.0.1"}, "127.0.0.1:8080:80"},
		{types.ServicePortConfig{Target: 80, Published: "8080", HostIP: "::1"}, "[::1]:8080:80"},
		{types.ServicePortConfig{Target: 9000, Published: "9000-9001"}, "9000-9001:9000"},
	} {
		if got := ports([]types.ServicePortConfig{tc.in}); len(got) != 1 || got[0] != tc.want {
			t.Errorf("ports(%+v) = %v, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRestartPolicy(t *testing.T) {
	t.Parallel()
	four := uint64(4)
	for _, tc := range []struct {
		s    types.ServiceConfig
		want string
	}{
		{types.ServiceConfig{}, ""},
		{types.ServiceConfig{Restart: "always"}, "always"},
		{types.ServiceConfig{Restart: "no", Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "any"}}}, "no"},
		{types.ServiceConfig{Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "any"}}}, "always"},
		{types.ServiceConfig{Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "none"}}}, "no"},
		{types.ServiceConfig{Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "on-failure"}}}, "on-failure"},
		{types.ServiceConfig{Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "on-failure", MaxAttempts: &four}}}, "on-failure:4"},
	} {
		if got := restartPolicy(&tc.s); got != tc.want {
			t.Errorf("restartPolicy(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

// Fields skiff cannot carry out are refused with one line naming them.
func TestUnsupportedFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		set  func(s *types.ServiceConfig)
		want string
	}{
		{func(s *types.ServiceConfig) { s.Gpus = []types.DeviceRequest{{Count: 1}} }, "gpus"},
		{func(s *types.ServiceConfig) { s.Runtime = "kata" }, "runtime"},
		{func(s *types.ServiceConfig) { s.CPUCount = 2 }, "cpu_count"},
		{func(s *types.ServiceConfig) { s.CPURTRuntime = 1000 }, "cpu_rt_runtime"},
		{func(s *types.ServiceConfig) {
			s.Deploy = &types.DeployConfig{Resources: types.Resources{Reservations: &types.Resource{Devices: []types.DeviceRequest{{Count: 1}}}}}
		}, "deploy.resources devices"},
		{func(s *types.ServiceConfig) { s.StorageOpt = map[string]string{"size": "1G"} }, "storage_opt"},
		{func(s *types.ServiceConfig) { s.ExternalLinks = []string{"x"} }, "external_links"},
	} {
		s := types.ServiceConfig{Name: "svc"}
		tc.set(&s)
		err := unsupported(&s)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `service "svc"`) {
			t.Errorf("unsupported(%s) = %v", tc.want, err)
		}
	}
	s := types.ServiceConfig{Name: "svc"}
	s.Runtime, s.Isolation, s.VolumeDriver = "runc", "default", "local"
	if err := unsupported(&s); err != nil {
		t.Errorf("defaults refused: %v", err)
	}
}

// The build sections of testdata/fields as build's options.
func TestBuildOptionsGolden(t *testing.T) {
	p, dir := loadFields(t)
	out := map[string]any{}
	for _, name := range []string{"built", "inline"} {
		s := p.Services[name]
		bo, err := p.buildOptions(&s, BuildOptions{Args: map[string]string{"EXTRA": "from --build-arg"}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var inline []byte
		if bo.Stdin != nil {
			inline, _ = io.ReadAll(bo.Stdin)
			bo.Stdin = nil
		}
		secrets := map[string]string{}
		for k, v := range bo.Secrets {
			secrets[k] = string(v)
		}
		bo.Secrets = nil
		out[name] = map[string]any{"Options": bo, "Dockerfile (standard input)": string(inline), "Secrets": secrets}
	}
	golden(t, "build-options", out, map[string]string{"$PROJECT": dir})
}

// Build fields skiff's builder cannot honour are refused with one line.
func TestBuildRefusals(t *testing.T) {
	p := &Project{Project: &types.Project{Name: "p"}}
	for field, set := range map[string]func(b *types.BuildConfig){
		"build.ssh":                 func(b *types.BuildConfig) { b.SSH = types.SSHConfig{{ID: "default"}} },
		"build.additional_contexts": func(b *types.BuildConfig) { b.AdditionalContexts = types.Mapping{"x": "."} },
		"build.platforms":           func(b *types.BuildConfig) { b.Platforms = types.StringList{"linux/amd64", "linux/arm64"} },
		"build.shm_size":            func(b *types.BuildConfig) { b.ShmSize = 1 << 20 },
		"local directory only":      func(b *types.BuildConfig) { b.Context = "https://github.com/example/app.git" },
	} {
		s := types.ServiceConfig{Name: "svc"}
		s.Build = &types.BuildConfig{Context: "."}
		set(s.Build)
		if _, err := p.buildOptions(&s, BuildOptions{}); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
}
