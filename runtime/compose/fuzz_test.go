package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// Compose files, loaded as every compose verb loads them (with an .env
// file beside them).
func FuzzLoad(f *testing.F) {
	f.Add([]byte("services:\n  web:\n    image: busybox\n    ports: [\"8080:80\"]\n    volumes: [\"data:/d\", \"./src:/src:ro\"]\n    env_file: [.env]\nvolumes:\n  data: {}\n"), []byte("A=1\n"))
	f.Add([]byte("services:\n  a:\n    build: .\n    depends_on: {b: {condition: service_healthy}}\n  b:\n    image: x\n    healthcheck: {test: [CMD, true], interval: 1s}\n    deploy: {resources: {limits: {cpus: '0.5', memory: 64M}}}\n"), []byte(""))
	f.Add([]byte("services:\n  a:\n    image: ${IMG:?need IMG}\n    networks: {n: {aliases: [x]}}\nnetworks: {n: {}}\n"), []byte("IMG=busybox\n"))
	f.Add([]byte("x: [\n"), []byte("=\n"))
	f.Fuzz(func(t *testing.T, file, env []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "compose.yaml"), file, 0o644)
		os.WriteFile(filepath.Join(dir, ".env"), env, 0o644)
		_, err := Load(context.Background(), LoadOptions{Files: []string{filepath.Join(dir, "compose.yaml")}, ProjectDirectory: dir, ProjectName: "fuzz"})
		fuzzcheck.OneLine(t, "compose file", err)
	})
}
