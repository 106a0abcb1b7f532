package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestImageInspect(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	obj := inspectImage(e, img)
	if id, _ := obj["Id"].(string); !strings.HasPrefix(id, "sha256:") || len(id) != 71 {
		t.Errorf("Id = %v", obj["Id"])
	}
	for _, k := range []string{"RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Author", "Config",
		"Architecture", "Os", "Size", "GraphDriver", "RootFS", "Metadata"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("inspect lacks %s", k)
		}
	}
	cfg := obj["Config"].(map[string]any)
	if tags := obj["RepoTags"].([]any); len(tags) != 1 || tags[0] != "busybox:latest" {
		t.Errorf("RepoTags = %v", tags)
	}
	if cmd, _ := json.Marshal(cfg["Cmd"]); string(cmd) != `["sh"]` {
		t.Errorf("Config.Cmd = %s", cmd)
	}
	if rootfs := obj["RootFS"].(map[string]any); rootfs["Type"] != "layers" || len(rootfs["Layers"].([]any)) == 0 {
		t.Errorf("RootFS = %v", rootfs)
	}
	if obj["Os"] != "linux" || obj["Size"].(float64) <= 0 {
		t.Errorf("Os %v Size %v", obj["Os"], obj["Size"])
	}

	r := e.Skiff("inspect", "--format", "{{.Id}} {{.Os}} {{json .Config.Cmd}}", img).Success(t)
	if r.Out() != obj["Id"].(string)+` linux ["sh"]` {
		t.Errorf("inspect --format = %q", r.Out())
	}
	e.Skiff("inspect", "--type", "image", img).Success(t)
	oneErrorLine(t, e.Skiff("inspect", "--type", "container", img), "No such container: "+img)
	oneErrorLine(t, e.Skiff("inspect", "--type", "volume", img), "not a valid value for --type")

	r = e.Skiff("inspect", "nosuch")
	oneErrorLine(t, r, "No such object: nosuch")
	if r.Out() != "[]" {
		t.Errorf("inspect nosuch printed %q", r.Stdout)
	}
	r = e.Skiff("image", "inspect", img, "nosuch")
	oneErrorLine(t, r, "No such image: nosuch")
	var two []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &two); err != nil || len(two) != 1 {
		t.Errorf("image inspect with one missing: %v %s", err, r.Stdout)
	}
}
