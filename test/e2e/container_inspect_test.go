package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestInspectContainer(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--name", "web", "-l", "k=v", "-e", "X=1", "-w", "/srv", "--cap-add", "NET_ADMIN",
		"--restart", "on-failure:3", img, "sleep", "100").Success(t).Out()
	r := e.Skiff("inspect", "web").Success(t)
	var arr []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &arr); err != nil || len(arr) != 1 {
		t.Fatalf("inspect: %v\n%s", err, r.Stdout)
	}
	if !strings.HasPrefix(r.Stdout, "[\n    {\n        \"Id\": ") {
		t.Errorf("inspect is not docker's indented array:\n%.80s", r.Stdout)
	}
	obj := arr[0]
	for _, k := range []string{"Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath", "HostnamePath",
		"HostsPath", "LogPath", "Name", "RestartCount", "Driver", "Platform", "MountLabel", "ProcessLabel",
		"AppArmorProfile", "ExecIDs", "HostConfig", "GraphDriver", "Mounts", "Config", "NetworkSettings"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("inspect lacks %s", k)
		}
	}
	if _, ok := obj["SizeRw"]; ok {
		t.Errorf("inspect without -s has SizeRw")
	}
	state := obj["State"].(map[string]any)
	for _, k := range []string{"Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ExitCode", "Error", "StartedAt", "FinishedAt"} {
		if _, ok := state[k]; !ok {
			t.Errorf("State lacks %s", k)
		}
	}
	hc := obj["HostConfig"].(map[string]any)
	for _, k := range []string{"NetworkMode", "RestartPolicy", "AutoRemove", "CapAdd", "CapDrop", "Privileged", "ReadonlyRootfs",
		"Memory", "CpuShares", "PortBindings", "LogConfig", "MaskedPaths", "ReadonlyPaths", "Devices"} {
		if _, ok := hc[k]; !ok {
			t.Errorf("HostConfig lacks %s", k)
		}
	}
	ns := obj["NetworkSettings"].(map[string]any)
	for _, k := range []string{"Networks", "Ports", "IPAddress", "Gateway", "MacAddress", "SandboxKey"} {
		if _, ok := ns[k]; !ok {
			t.Errorf("NetworkSettings lacks %s", k)
		}
	}
	imgID := strings.TrimPrefix(e.Skiff("image", "inspect", "-f", "{{.Id}}", img).Success(t).Out(), "sha256:")
	for tmpl, want := range map[string]string{
		"{{.Id}}":                                         id,
		"{{.ID}}":                                         id,
		"{{.Name}}":                                       "/web",
		"{{.Image}}":                                      "sha256:" + imgID,
		"{{.Config.Image}}":                               img,
		"{{.Path}} {{json .Args}}":                        `sleep ["100"]`,
		"{{.State.Status}} {{.State.Running}}":            "running true",
		"{{.State.ExitCode}}:{{.State.Error}}":            "0:",
		"{{.State.FinishedAt}}":                           "0001-01-01T00:00:00Z",
		"{{json .Config.Labels}}":                         `{"k":"v"}`,
		"{{.Config.WorkingDir}}":                          "/srv",
		"{{.HostConfig.RestartPolicy.Name}}":              "on-failure",
		"{{.HostConfig.RestartPolicy.MaximumRetryCount}}": "3",
		"{{json .HostConfig.CapAdd}}":                     `["NET_ADMIN"]`,
		"{{.HostConfig.ShmSize}}":                         "67108864",
		"{{.HostConfig.LogConfig.Type}}":                  "json-file",
		"{{.Platform}} {{.RestartCount}}":                 "linux 0",
		"{{len .Mounts}}":                                 "0",
		"{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}": "bridge",
		"{{.Config.Hostname}}": id[:12],
	} {
		if got := inspectField(e, "web", tmpl); got != want {
			t.Errorf("inspect -f %s = %q, want %q", tmpl, got, want)
		}
	}
	if env := inspectField(e, "web", "{{json .Config.Env}}"); !strings.Contains(env, `"X=1"`) || !strings.Contains(env, `"PATH=`) {
		t.Errorf("Config.Env = %s", env)
	}
	if pid := pidOf(e, "web"); !alive(pid) {
		t.Errorf("State.Pid %d is not a live process", pid)
	}
	if got := inspectField(e, "web", "{{.GraphDriver.Name}}"); got == "" {
		t.Errorf("GraphDriver.Name empty")
	}
	// -s adds the sizes
	if got := strings.Fields(e.Skiff("inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", "web").Success(t).Out()); len(got) != 2 || got[0] != "0" || got[1] == "0" {
		t.Errorf("inspect -s: SizeRw SizeRootFs = %q", got)
	}
	// stopped: exit code and times
	e.Skiff("stop", "-t", "0", "web").Success(t)
	if got := inspectField(e, "web", "{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}} {{.State.Running}}"); got != "exited 137 0 false" {
		t.Errorf("after stop: %q", got)
	}
	if got := inspectField(e, "web", "{{.State.FinishedAt}}"); !strings.HasPrefix(got, "20") {
		t.Errorf("FinishedAt = %q", got)
	}
}

// inspect finds a container first, then an image; --type narrows it;
// names not found are errors after the array of what was found.
func TestInspectLookupOrder(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("create", "--name", "busybox", img, "true").Success(t) // a container named like the image
	if got := e.Skiff("inspect", "-f", "{{.Name}}", "busybox").Success(t).Out(); got != "/busybox" {
		t.Errorf("inspect busybox found %q, want the container first", got)
	}
	if got := e.Skiff("inspect", "--type", "image", "-f", "{{index .RepoTags 0}}", "busybox").Success(t).Out(); got != img {
		t.Errorf("inspect --type image = %q", got)
	}
	if got := e.Skiff("inspect", "-f", "{{index .RepoTags 0}}", img).Success(t).Out(); got != img {
		t.Errorf("inspect of an image name = %q", got)
	}
	e.Skiff("inspect", "--type", "container", img).Fail(t, 125, "No such container")
	e.Skiff("inspect", "--type", "volume", "busybox").Fail(t, 125, "--type")
	r := e.Skiff("inspect", "-f", "{{.Name}}", "busybox", "nosuch")
	if r.Code == 0 || r.Stdout != "/busybox\n" || strings.TrimSpace(r.Stderr) != "Error: No such object: nosuch" {
		t.Errorf("inspect busybox nosuch: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	r = e.Skiff("container", "inspect", "nosuch")
	if r.Code == 0 || strings.TrimSpace(r.Stdout) != "[]" || strings.TrimSpace(r.Stderr) != "Error: No such container: nosuch" {
		t.Errorf("container inspect nosuch: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	var two []map[string]any
	if err := json.Unmarshal([]byte(e.Skiff("inspect", "busybox", img).Success(t).Stdout), &two); err != nil || len(two) != 2 {
		t.Errorf("inspect of a container and an image: %v, %d objects", err, len(two))
	}
}
