package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Global flags podman scripts pass (podman(1) GLOBAL OPTIONS): --noout
// silences the command's stdout but not the container's, --events-backend
// none records nothing, cgroupfs is what skiff does, runc and crun are
// what skiff does too (a notice), another runtime or a remote service is
// refused in one line.
func TestPodmanGlobalFlags(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	if r := e.Podman("--noout", "create", "--name", "quiet", img, "true").Success(t); r.Stdout != "" {
		t.Errorf("--noout create printed %q", r.Stdout)
	}
	if got := e.Podman("--noout", "run", "--rm", img, "echo", "from-container").Success(t).Out(); got != "from-container" {
		t.Errorf("--noout run: the container's output is %q", got)
	}
	e.Podman("--events-backend", "none", "run", "--name", "silent", img, "true").Success(t)
	if got := e.Podman("events", "--since", "1h", "--until", "0s", "--filter", "container=silent").Success(t).Out(); got != "" {
		t.Errorf("--events-backend none recorded %q", got)
	}
	if got := e.Podman("events", "--since", "1h", "--until", "0s", "--filter", "container=quiet", "--format", "{{.Action}}").Success(t).Out(); got != "create" {
		t.Errorf("events with the file backend: %q", got)
	}
	e.Podman("--events-backend", "file", "--cgroup-manager", "cgroupfs", "ps").Success(t)
	if r := e.Podman("--cgroup-manager", "systemd", "ps").Success(t); !strings.Contains(r.Stderr, "--cgroup-manager systemd ignored") {
		t.Errorf("--cgroup-manager systemd: %q", r.Stderr)
	}
	if r := e.Podman("--runtime", "crun", "--runtime-flag", "debug", "ps").Success(t); !strings.Contains(r.Stderr, "--runtime crun ignored") || !strings.Contains(r.Stderr, "--runtime-flag") {
		t.Errorf("--runtime crun: %q", r.Stderr)
	}
	e.Podman("--runtime", "/usr/bin/runsc", "ps").Fail(t, 125, "cannot run them with another OCI runtime")
	e.Podman("--url", "unix:///run/podman/podman.sock", "ps").Fail(t, 125, "no service to connect to")
	e.Podman("--connection", "remote", "ps").Fail(t, 125, "no service to connect to")
	e.Podman("--events-backend", "journald", "ps").Fail(t, 125, "use file or none")
}

// info and version invoked as podman have podman's shape (podman-info(1)
// and podman-version(1)); invoked as docker, docker's.
func TestPodmanInfoVersion(t *testing.T) {
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	tmpl := "{{.Host.Arch}}|{{.Host.OCIRuntime.Name}}|{{.Host.Security.Rootless}}|{{.Host.EventLogger}}|{{.Host.LogDriver}}|" +
		"{{.Host.CgroupsVersion}}|{{.Host.NetworkBackend}}|{{.Store.GraphRoot}}|{{.Store.RunRoot}}|{{.Store.GraphDriverName}}|" +
		"{{.Store.ImageStore.Number}}|{{.Version.Version}}"
	got := strings.Split(e.Podman("info", "--format", tmpl).Success(t).Out(), "|")
	rootless := "false"
	if e.Rootless {
		rootless = "true"
	}
	if len(got) != 12 || got[0] != "amd64" || got[1] != "skiff" || got[2] != rootless || got[3] != "file" || got[4] != "k8s-file" ||
		!strings.HasPrefix(got[5], "v") || got[7] != e.Root || got[8] != e.RunRoot || got[9] == "" || got[10] != "1" || got[11] == "" {
		t.Errorf("podman's info fields: %q", got)
	}
	var info map[string]map[string]any
	if err := json.Unmarshal([]byte(e.Podman("info", "--format", "json").Success(t).Stdout), &info); err != nil {
		t.Fatalf("info --format json: %v", err)
	}
	if info["store"]["graphRoot"] != e.Root || info["host"]["logDriver"] != "k8s-file" || info["registries"] == nil {
		t.Errorf("info JSON: %v", info)
	}
	if out := e.Podman("info").Success(t).Stdout; !strings.HasPrefix(out, "host:\n  arch: ") || !strings.Contains(out, "\nstore:\n") {
		t.Errorf("podman's info is YAML:\n%s", out)
	}
	if got := e.Podman("--events-backend", "none", "info", "--format", "{{.Host.EventLogger}}").Success(t).Out(); got != "none" {
		t.Errorf("EventLogger with --events-backend none: %q", got)
	}
	if got := e.Docker("info", "--format", "{{.DockerRootDir}} {{.Images}}").Success(t).Out(); got != e.Root+" 1" {
		t.Errorf("docker's info: %q", got)
	}
	ver := e.Podman("version", "--format", "{{.Client.Version}} {{.Client.OsArch}}").Success(t).Out()
	if !strings.HasSuffix(ver, " linux/amd64") {
		t.Errorf("podman's version: %q", ver)
	}
	if out := e.Podman("version").Success(t).Stdout; !strings.Contains(out, "\nVersion:      ") || !strings.Contains(out, "OS/Arch:      linux/amd64") {
		t.Errorf("podman's version table:\n%s", out)
	}
	if got := e.Docker("version", "--format", "{{.Server.Platform.Name}}").Success(t).Out(); got != "skiff" {
		t.Errorf("docker's version: %q", got)
	}
}

// commit -q prints the bare ID (podman-commit(1) --quiet); cp --pause,
// and /dev/stdin and /dev/stdout for a tar stream as podman takes them;
// logs --until.
func TestPodmanCommitCpLogs(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Podman("run", "-d", "--name", "box", img, "sh", "-c", "echo early; sleep 2; echo late; sleep 60").Success(t)
	waitLog(e, "box", "early")
	mid := time.Now().UTC().Format(time.RFC3339Nano)
	waitLog(e, "box", "late")
	if got := e.Podman("logs", "--until", mid, "box").Success(t).Out(); got != "early" {
		t.Errorf("logs --until: %q", got)
	}
	e.Podman("exec", "box", "sh", "-c", "echo made > /tmp/made").Success(t)
	id := e.Podman("commit", "-q", "box", "committed").Success(t).Out()
	if !fullID.MatchString(id) {
		t.Errorf("commit -q printed %q", id)
	}
	// cp --pause freezes where skiff can; the copy happens either way
	tarball := e.Podman("cp", "--pause", "box:/tmp/made", "/dev/stdout").Success(t).Stdout
	list := exec.Command("tar", "-t")
	list.Stdin = strings.NewReader(tarball)
	if out, err := list.Output(); err != nil || strings.TrimSpace(string(out)) != "made" {
		t.Errorf("cp to /dev/stdout is not the tar of made: %q %v", out, err)
	}
	src := e.Mkdir("src")
	e.WriteFile("src/in.txt", "into the container\n")
	pack := exec.Command("tar", "-C", src, "-c", "in.txt")
	archive, err := pack.Output()
	if err != nil {
		t.Fatal(err)
	}
	e.PodmanStdin(strings.NewReader(string(archive)), "cp", "/dev/stdin", "box:/tmp").Success(t)
	if got := e.Podman("exec", "box", "cat", "/tmp/in.txt").Success(t).Out(); got != "into the container" {
		t.Errorf("cp from /dev/stdin: %q", got)
	}
	if got := inspectField(e, "box", "{{.State.Status}}"); got != "running" {
		t.Errorf("after cp --pause: %s", got)
	}
	e.Podman("rm", "-f", "-t", "0", "box").Success(t)
	e.Podman("rmi", "committed").Success(t)
}
