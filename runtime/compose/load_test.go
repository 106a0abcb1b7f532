package compose

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// identify (what ps, down and the like read) names a project and its
// services as the full load does.
func TestIdentifyAgreesWithLoad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   map[string]string
		o     LoadOptions
		want  string
		// full: identify declines and the model is loaded
		full bool
	}{
		{name: "directory", files: map[string]string{"compose.yaml": "services: {web: {image: busybox}, db: {image: busybox}}\n"}, want: "myapp"},
		{name: "name key", files: map[string]string{"compose.yaml": "name: shop\nservices: {web: {image: busybox}}\n"}, want: "shop"},
		{name: "name interpolated from .env", files: map[string]string{
			"compose.yaml": "name: ${STAGE:-dev}-shop\nservices: {web: {image: busybox}}\n", ".env": "STAGE=prod\n"}, want: "prod-shop"},
		{name: "name normalised", files: map[string]string{"compose.yaml": "name: Shop.Front\nservices: {web: {image: busybox}}\n"}, want: "shopfront"},
		{name: "-p first", files: map[string]string{"compose.yaml": "name: shop\nservices: {web: {image: busybox}}\n"},
			o: LoadOptions{ProjectName: "other"}, want: "other"},
		{name: "COMPOSE_PROJECT_NAME over name:", files: map[string]string{"compose.yaml": "name: shop\nservices: {web: {image: busybox}}\n"},
			env: map[string]string{"COMPOSE_PROJECT_NAME": "fromenv"}, want: "fromenv"},
		{name: "COMPOSE_PROJECT_NAME in .env", files: map[string]string{
			"compose.yaml": "services: {web: {image: busybox}}\n", ".env": "COMPOSE_PROJECT_NAME=dotenv\n"}, want: "dotenv"},
		{name: "override file merged", files: map[string]string{
			"compose.yaml": "services: {web: {image: busybox}}\n", "compose.override.yaml": "name: over\nservices: {extra: {image: busybox}}\n"}, want: "over"},
		{name: "-f files in order", files: map[string]string{
			"a.yaml": "name: first\nservices: {web: {image: busybox}}\n", "b.yaml": "name: second\nservices: {db: {image: busybox}}\n"},
			o: LoadOptions{Files: []string{"a.yaml", "b.yaml"}}, want: "second"},
		{name: "include loads", files: map[string]string{
			"compose.yaml": "include: [other.yaml]\nservices: {web: {image: busybox}}\n", "other.yaml": "services: {db: {image: busybox}}\n"},
			want: "myapp", full: true},
		{name: "profiles count every service", files: map[string]string{
			"compose.yaml": "services: {web: {image: busybox}, debug: {image: busybox, profiles: [debug]}}\n"}, want: "myapp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "My.App")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for f, content := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			t.Setenv("COMPOSE_PROJECT_NAME", "")
			os.Unsetenv("COMPOSE_PROJECT_NAME")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			full, err := Load(context.Background(), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			o := tc.o
			o.Existing = true
			light, err := Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if full.Name != tc.want || light.Name != tc.want {
				t.Errorf("name: load %q, identify %q, want %q", full.Name, light.Name, tc.want)
			}
			if light.Loaded != tc.full {
				t.Errorf("identify loaded the model: %v, want %v", light.Loaded, tc.full)
			}
			if light.WorkingDir != full.WorkingDir {
				t.Errorf("working dir: load %q, identify %q", full.WorkingDir, light.WorkingDir)
			}
			all := append(full.ServiceNames(), slices.Collect(maps.Keys(full.DisabledServices))...)
			slices.Sort(all)
			if got := light.ServiceNames(); !tc.full && !slices.Equal(got, all) {
				t.Errorf("services: load %v, identify %v", all, got)
			}
		})
	}
}

// Without a file, -p alone names the project for the verbs on what
// exists; the others need a file (exit 14).
func TestLoadWithoutFile(t *testing.T) {
	t.Chdir(t.TempDir())
	p, err := Load(context.Background(), LoadOptions{ProjectName: "shop", Existing: true})
	if err != nil || p.Name != "shop" || p.Loaded {
		t.Fatalf("Load -p shop without a file: %+v, %v", p, err)
	}
	if _, err := Load(context.Background(), LoadOptions{ProjectName: "shop"}); err == nil {
		t.Fatal("Load of a model without a file succeeded")
	}
}

// A file the loader refuses is one line naming the file, the line and the
// field, with exit 15, whatever stage refuses it: the schema, YAML,
// interpolation, decoding, or a reference to something undeclared; with
// two files, the one holding the field.
func TestLoadErrorNamesFileAndLine(t *testing.T) {
	for _, tc := range []struct{ name, file, override, want string }{
		{"schema", "services:\n  web:\n    image: busybox\n    portz: [80]\n", "", "compose.yaml:4: services.web.portz is not allowed"},
		{"yaml", "services:\n  web:\n    image: [\n", "", "compose.yaml:3: "},
		{"duplicate key", "services:\n  web:\n    image: busybox\n  web:\n    image: x\n", "", `compose.yaml:4: mapping key "web" already defined at line 2`},
		{"interpolation cast", "services:\n  web:\n    image: busybox\n    ports:\n      - target: abc\n", "", "compose.yaml:4: services.web.ports.[].target: failed to cast"},
		{"required variable", "services:\n  web:\n    image: busybox\n    environment:\n      X: ${UNSET_IN_TEST:?set it}\n", "", "compose.yaml:5: services.web.environment.X: required variable UNSET_IN_TEST is missing a value: set it"},
		{"decoding", "services:\n  web:\n    image: busybox\n    mem_limit: lots\n", "", "compose.yaml:4: services.web.mem_limit invalid size: 'lots'"},
		{"undefined service", "services:\n  web:\n    image: busybox\n    depends_on: [nope]\n", "", `compose.yaml:4: service "web" depends on undefined service "nope"`},
		{"undefined network", "services:\n  web:\n    image: busybox\n    networks: [nonet]\n", "", `compose.yaml:4: service "web" refers to undefined network nonet`},
		{"no image", "services:\n  web:\n    command: x\n", "", `compose.yaml:2: service "web" has neither an image nor a build context specified`},
		{"in the override", "services:\n  web:\n    image: busybox\n", "services:\n  web:\n    mem_limit: lots\n", "o.yaml:3: services.web.mem_limit invalid size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			files := []string{"compose.yaml"}
			if err := os.WriteFile("compose.yaml", []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.override != "" {
				files = append(files, "o.yaml")
				if err := os.WriteFile("o.yaml", []byte(tc.override), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(context.Background(), LoadOptions{Files: files})
			if err == nil {
				t.Fatal("loaded")
			}
			if !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line starting %q", err, tc.want)
			}
			if code := errdefs.ExitCode(err); code != ExitInvalidFile {
				t.Errorf("exit code %d, want %d", code, ExitInvalidFile)
			}
		})
	}
}
