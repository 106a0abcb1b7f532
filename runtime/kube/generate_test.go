package kube

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/version"
	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// The mapping rules of kube generate, one golden file each
// (testdata/generate/NAME.yaml, UPDATE_GOLDEN=1 rewrites them). The
// tests of test/kubevalidate validate every golden file with the
// Kubernetes API's own validation.

var testImage = &spec.ImageConfig{Cmd: []string{"sh"}, Env: []string{"PATH=/usr/bin:/bin", "LANG=C"}, WorkingDir: "/srv",
	Labels: map[string]string{"org.example.image": "base"}}

// ctr is a container as create records it from testImage, changed by fn.
func ctr(name string, fn func(c *container.Container)) *container.Container {
	c := &container.Container{}
	c.ID = strings.Repeat("ab", 32)
	c.Name, c.ImageID = name, "img"
	c.Config = container.Config{Image: "busybox", Cmd: []string{"sh"}, Env: []string{"PATH=/usr/bin:/bin", "LANG=C", "HOSTNAME=abababababab"},
		Hostname: "abababababab", WorkingDir: "/srv", Labels: map[string]string{"org.example.image": "base"}}
	c.HostConfig = container.HostConfig{NetworkMode: "bridge", RestartPolicy: container.RestartPolicy{Name: "no"}}
	if fn != nil {
		fn(c)
	}
	return c
}

func TestGenerateRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ctrs []*container.Container
		o    GenerateOptions
	}{
		{"defaults", []*container.Container{ctr("web", nil)}, GenerateOptions{}},
		{"command", []*container.Container{ctr("web", func(c *container.Container) { c.Config.Cmd = []string{"httpd", "-f"} })}, GenerateOptions{}},
		{"entrypoint", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Entrypoint, c.Config.Cmd = []string{"/bin/echo"}, []string{"hi"}
		})}, GenerateOptions{}},
		{"entrypoint-empty", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Entrypoint, c.Config.Cmd = nil, []string{"ls", "-l"}
			c.Config.WorkingDir = "/"
		})}, GenerateOptions{}},
		{"env", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Env = append(c.Config.Env, "MODE=prod", "LANG=en_US.UTF-8", "EMPTY=")
			c.Config.Env = c.Config.Env[:0:0]
			c.Config.Env = []string{"PATH=/usr/bin:/bin", "LANG=en_US.UTF-8", "HOSTNAME=abababababab", "MODE=prod", "EMPTY="}
		})}, GenerateOptions{}},
		{"ports", []*container.Container{ctr("web", func(c *container.Container) {
			c.HostConfig.PortBindings = map[string][]container.PortBinding{
				"80/tcp":   {{HostIP: "127.0.0.1", HostPort: "8080"}},
				"53/udp":   {{HostPort: "5353"}},
				"9000/tcp": {{HostPort: ""}},
			}
		})}, GenerateOptions{}},
		{"volumes", []*container.Container{ctr("web", func(c *container.Container) {
			c.Mounts = []mounts.MountPoint{
				{Type: mounts.TypeVolume, Name: "data", Destination: "/data", RW: true},
				{Type: mounts.TypeVolume, Name: "my_data", Destination: "/more", RW: false},
				{Type: mounts.TypeVolume, Name: strings.Repeat("0f", 32), Destination: "/cache", RW: true},
				{Type: mounts.TypeBind, Source: "/etc", Destination: "/host", RW: true},
				{Type: mounts.TypeBind, Source: "/etc/passwd", Destination: "/etc/app.conf", RW: false},
				{Type: mounts.TypeBind, Source: "/nonexistent/kube-test", Destination: "/made", RW: true},
			}
			c.HostConfig.Tmpfs = map[string]string{"/scratch": "size=64m"}
		})}, GenerateOptions{}},
		{"labels", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Labels["app.tier"] = "front"
			c.Config.Labels["example.com/owner"] = "ops"
			c.Config.Labels["note"] = "has spaces"
			c.Config.Labels["bad key!"] = "x"
		})}, GenerateOptions{}},
		{"restart-always", []*container.Container{ctr("web", func(c *container.Container) { c.HostConfig.RestartPolicy.Name = "always" })}, GenerateOptions{}},
		{"restart-on-failure", []*container.Container{ctr("web", func(c *container.Container) { c.HostConfig.RestartPolicy.Name = "on-failure" })}, GenerateOptions{}},
		{"security", []*container.Container{ctr("web", func(c *container.Container) {
			c.HostConfig.Privileged, c.HostConfig.ReadonlyRootfs = true, true
			c.HostConfig.CapAdd, c.HostConfig.CapDrop = []string{"NET_ADMIN"}, []string{"CAP_CHOWN", "all"}
			c.HostConfig.SecurityOpt = []string{"no-new-privileges"}
			c.Config.User = "1000:100"
		})}, GenerateOptions{}},
		{"resources", []*container.Container{ctr("web", func(c *container.Container) {
			c.HostConfig.Memory, c.HostConfig.MemoryReservation = 256<<20, 64<<20
			c.HostConfig.NanoCPUs, c.HostConfig.CPUShares = 1_500_000_000, 512
			pids := int64(100)
			c.HostConfig.PidsLimit = &pids
		})}, GenerateOptions{}},
		{"resources-quota", []*container.Container{ctr("web", func(c *container.Container) {
			c.HostConfig.CPUQuota, c.HostConfig.CPUPeriod = 50_000, 0
		})}, GenerateOptions{}},
		{"user-name", []*container.Container{ctr("web", func(c *container.Container) { c.Config.User = "nobody" })}, GenerateOptions{}},
		{"healthcheck", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Healthcheck = &container.HealthConfig{Test: []string{"CMD-SHELL", "wget -qO- 127.0.0.1"},
				Interval: 5 * time.Second, Timeout: 1500 * time.Millisecond, StartPeriod: 10 * time.Second, Retries: 4}
		})}, GenerateOptions{}},
		{"healthcheck-cmd", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Healthcheck = &container.HealthConfig{Test: []string{"CMD", "test", "-f", "/ok"}}
		})}, GenerateOptions{}},
		{"host", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Hostname = "web.example"
			c.HostConfig.ExtraHosts = []string{"db:10.0.0.5", "gw:host-gateway"}
			c.HostConfig.DNS, c.HostConfig.DNSSearch, c.HostConfig.DNSOptions = []string{"10.0.0.53"}, []string{"example.com"}, []string{"ndots:2", "rotate"}
		})}, GenerateOptions{}},
		{"host-network", []*container.Container{ctr("web", func(c *container.Container) { c.HostConfig.NetworkMode = "host" })}, GenerateOptions{}},
		{"tty", []*container.Container{ctr("web", func(c *container.Container) {
			c.Config.Tty, c.Config.OpenStdin = true, true
			c.Config.Env = append(c.Config.Env, "TERM=xterm")
		})}, GenerateOptions{}},
		{"two-containers", []*container.Container{ctr("Web_1", nil), ctr("sidecar", func(c *container.Container) { c.Config.Cmd = []string{"sleep", "1d"} })}, GenerateOptions{}},
		{"deployment", []*container.Container{ctr("web", nil)}, GenerateOptions{Type: TypeDeployment, Replicas: 3}},
		{"daemonset", []*container.Container{ctr("web", nil)}, GenerateOptions{Type: TypeDaemonSet}},
		{"job", []*container.Container{ctr("web", func(c *container.Container) { c.HostConfig.RestartPolicy.Name = "always" })}, GenerateOptions{Type: TypeJob}},
		{"job-on-failure", []*container.Container{ctr("web", func(c *container.Container) { c.HostConfig.RestartPolicy.Name = "on-failure" })}, GenerateOptions{Type: TypeJob}},
		{"service", []*container.Container{ctr("web", func(c *container.Container) {
			c.HostConfig.PortBindings = map[string][]container.PortBinding{
				"80/tcp":  {{HostPort: "8080"}},
				"443/tcp": {{HostPort: "30443"}},
				"9/udp":   {{HostPort: ""}},
			}
		})}, GenerateOptions{Service: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.o.check(); err != nil {
				t.Fatal(err)
			}
			var warn bytes.Buffer
			b := newPodBuilder(context.Background(), nil, &warn)
			b.imageConfig = func(string) (*spec.ImageConfig, error) { return testImage, nil }
			for _, c := range tc.ctrs {
				if err := b.add(c, c.HostConfig.PortBindings); err != nil {
					t.Fatal(err)
				}
			}
			objs, err := b.objects(toLabel(tc.ctrs[0].Name)+"-pod", nil, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := Write(&out, objs, nil); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if warn.Len() > 0 {
				got = "# warnings:\n#   " + strings.ReplaceAll(strings.TrimSpace(warn.String()), "\n", "\n#   ") + "\n" + got
			}
			golden(t, filepath.Join("testdata", "generate", tc.name+".yaml"), got)
		})
	}
}

// golden compares got with the file, or rewrites it with UPDATE_GOLDEN=1.
func golden(t *testing.T, file, got string) {
	t.Helper()
	got = strings.ReplaceAll(got, "skiff "+version.Version+":", "skiff VERSION:")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (UPDATE_GOLDEN=1 rewrites it):\n%s", file, got)
	}
}

var hostPathNameRe = regexp.MustCompile(`(name: )[a-z0-9-]*-(testdata-compose-[a-z0-9-]+)-host\b`)

func TestHostPathName(t *testing.T) {
	long := "/" + strings.Repeat("deep/", 20) + "index.html"
	for path, want := range map[string]string{
		"/srv/www/index.html": "srv-www-index-html-host",
		long:                  strings.Repeat("deep-", 9) + "index-html-host",
	} {
		if got := hostPathName(path); got != want || len(got) > 63 {
			t.Errorf("hostPathName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestGenerateCompose(t *testing.T) {
	t.Setenv("TOKEN", "s3cret")
	files, err := filepath.Glob(filepath.Join("testdata", "compose", "*.compose.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatal("no compose files", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := compose.Load(context.Background(), compose.LoadOptions{Files: []string{f}, ProjectName: "shop"})
			if err != nil {
				t.Fatal(err)
			}
			var out, warn bytes.Buffer
			if err := GenerateCompose(p, GenerateOptions{Warn: &warn}, &out); err != nil {
				t.Fatal(err)
			}
			abs, _ := filepath.Abs(filepath.Dir(f))
			got := strings.ReplaceAll(out.String(), abs, "/PROJECT")
			// a host path's volume is named after the checkout's path
			got = hostPathNameRe.ReplaceAllString(got, "${1}project-$2-host")
			golden(t, strings.TrimSuffix(f, ".compose.yaml")+".k8s.yaml", got)
		})
	}
}

func TestGenerateOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []GenerateOptions{{Type: "cronjob"}, {Type: TypePod, Replicas: 2}, {Replicas: -1}} {
		if err := o.check(); err == nil {
			t.Errorf("%+v: accepted", o)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Web_1": "web-1", "my__data": "my-data", "-x-": "x", "___": "x", strings.Repeat("a", 70): strings.Repeat("a", 63)} {
		if got := toLabel(in); got != want || !isLabel(got) {
			t.Errorf("toLabel(%q) = %q, want %q", in, got, want)
		}
	}
	for s, ok := range map[string]bool{"app": true, "example.com/app": true, "a/b/c": false, "/x": false, "x/": false, "bad key": false} {
		if isQualifiedName(s) != ok {
			t.Errorf("isQualifiedName(%q) != %v", s, ok)
		}
	}
}

// A volume whose name is not a Kubernetes name is claimed under a valid
// one, its own kept in an annotation that play and down read back.
func TestGenerateClaims(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := Write(&out, []any{claim("data", "data", map[string]string{"tier": "db"}), claim("my_data", "my_data", nil), claim("web", "shop_web", nil)}, nil); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "generate", "claims.yaml"), out.String())
	objs, err := load([]Source{{Name: "claims.yaml", Data: out.Bytes()}}, true, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	for claim, want := range map[string]string{"data": "data", "my-data": "my_data", "web": "shop_web", "other": "other"} {
		if got := objs.volumeName(claim); got != want {
			t.Errorf("claim %s: volume %s, want %s", claim, got, want)
		}
	}
}
