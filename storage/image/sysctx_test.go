package image

import (
	"os"
	"path/filepath"
	"testing"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"
)

// TestLoopbackMirrorsInsecure checks that allowLoopbackMirrors reaches
// image/v5's cached configuration (see its comment).
func TestLoopbackMirrorsInsecure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "registries.conf")
	err := os.WriteFile(conf, []byte(`
[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "127.0.0.1:5000"
[[registry.mirror]]
location = "mirror.example.com"

[[registry]]
prefix = "quay.io"
location = "localhost:6000/quay"
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	sys := &types.SystemContext{SystemRegistriesConfPath: conf, SystemRegistriesConfDirPath: filepath.Join(dir, "none")}
	if err := allowLoopbackMirrors(sys); err != nil {
		t.Fatal(err)
	}
	reg, err := sysregistriesv2.FindRegistry(sys, "docker.io/library/busybox")
	if err != nil || reg == nil {
		t.Fatalf("FindRegistry: %v %v", reg, err)
	}
	if !reg.Mirrors[0].Insecure || reg.Mirrors[1].Insecure || reg.Insecure {
		t.Errorf("docker.io: mirrors %+v, registry insecure %v", reg.Mirrors, reg.Insecure)
	}
	reg, _ = sysregistriesv2.FindRegistry(sys, "quay.io/x/y")
	if reg == nil || !reg.Insecure {
		t.Errorf("quay.io remapped to localhost is not insecure: %+v", reg)
	}

	strict := *sys
	strict.SystemRegistriesConfPath = filepath.Join(dir, "strict.conf")
	_ = os.WriteFile(strict.SystemRegistriesConfPath, []byte("[[registry]]\nlocation = \"127.0.0.1:7000\"\n"), 0o644)
	strict.DockerInsecureSkipTLSVerify = types.OptionalBoolFalse
	if err := allowLoopbackMirrors(&strict); err != nil {
		t.Fatal(err)
	}
	if reg, _ := sysregistriesv2.FindRegistry(&strict, "127.0.0.1:7000/x"); reg == nil || reg.Insecure {
		t.Errorf("--tls-verify=true still marked the loopback registry insecure: %+v", reg)
	}
}

func TestForRegistryAndHost(t *testing.T) {
	t.Parallel()
	ref, _ := Normalize("127.0.0.1:5000/x")
	sys := &types.SystemContext{}
	if ForRegistry(sys, ref).DockerInsecureSkipTLSVerify != types.OptionalBoolTrue {
		t.Error("loopback registry not reachable over HTTP")
	}
	hub, _ := Normalize("busybox")
	if ForRegistry(sys, hub).DockerInsecureSkipTLSVerify != types.OptionalBoolUndefined {
		t.Error("docker.io made insecure")
	}
	tls := &types.SystemContext{DockerInsecureSkipTLSVerify: types.OptionalBoolFalse}
	if ForRegistry(tls, ref) != tls || ForHost(tls, "localhost:5000") != tls {
		t.Error("--tls-verify=true overridden")
	}
	if ForHost(sys, "localhost:5000").DockerInsecureSkipTLSVerify != types.OptionalBoolTrue {
		t.Error("ForHost(localhost)")
	}
	v := false
	if SystemContext(SystemOptions{TLSVerify: &v}).DockerInsecureSkipTLSVerify != types.OptionalBoolTrue {
		t.Error("--tls-verify=false not applied")
	}
	if _, err := withPlatform(sys, "linux"); err == nil {
		t.Error("withPlatform accepted linux")
	}
	if p, err := withPlatform(sys, "linux/arm64/v8"); err != nil || p.ArchitectureChoice != "arm64" || p.VariantChoice != "v8" {
		t.Errorf("withPlatform = %+v, %v", p, err)
	}
}
