package compose

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
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
