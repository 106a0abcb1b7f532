package container

import (
	"encoding/json"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Listing decodes records without their spec and keeps everything else.
func TestRecordWithoutSpec(t *testing.T) {
	t.Parallel()
	r := Record{ID: "abc", Name: "web", Created: time.Unix(1700000000, 0).UTC(), Path: "sh", Args: []string{"-c", "x"},
		Spec: &specs.Spec{Hostname: "h", Process: &specs.Process{Args: []string{"sh"}}}}
	r.Config.Labels = map[string]string{"a": "b"}
	r.HostConfig.NetworkMode = "none"
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var light recordWithoutSpec
	if err := json.Unmarshal(b, &light); err != nil {
		t.Fatal(err)
	}
	var got Record
	light.fill(&got)
	if got.Spec != nil || got.ID != "abc" || got.Name != "web" || !got.Created.Equal(r.Created) || got.Path != "sh" ||
		len(got.Args) != 2 || got.Config.Labels["a"] != "b" || got.HostConfig.NetworkMode != "none" {
		t.Errorf("decoded %+v", got)
	}
}
