package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// The shared registry serves the test images pushed by RegistryImage, and
// RegistriesConf makes it docker.io's mirror.
func TestHarnessRegistry(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	ref := RegistryImage(t, "busybox")
	reg := Registry(t)
	if want := reg.Addr + "/library/busybox:latest"; ref != want {
		t.Fatalf("RegistryImage = %q, want %q", ref, want)
	}
	resp, err := http.Get("http://" + reg.Addr + "/v2/library/busybox/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tags struct{ Tags []string }
	if err := json.NewDecoder(resp.Body).Decode(&tags); err != nil || len(tags.Tags) != 1 || tags.Tags[0] != "latest" {
		t.Fatalf("tags of library/busybox = %+v, %v", tags, err)
	}
	if again := RegistryImage(t, "busybox"); again != ref {
		t.Errorf("second RegistryImage = %q", again)
	}

	e := New(t)
	p := e.RegistriesConf("docker.io")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`prefix = "docker.io"`, `[[registry.mirror]]`, `location = "` + reg.Addr + `"`, "insecure = true"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("registries.conf lacks %s:\n%s", want, b)
		}
	}
	// the test's user can read it (skiff runs as that user)
	e.Exec("cat", p).Success(t)
}
