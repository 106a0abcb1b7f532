package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// volumeJSON is docker's volume inspect object.
type volumeJSON struct {
	CreatedAt  string
	Driver     string
	Labels     map[string]string
	Mountpoint string
	Name       string
	Options    map[string]string
	Scope      string
}

func inspectVolume(t *testing.T, e *Env, name string) volumeJSON {
	t.Helper()
	var vs []volumeJSON
	r := e.Skiff("volume", "inspect", name).Success(t)
	if err := json.Unmarshal([]byte(r.Stdout), &vs); err != nil || len(vs) != 1 {
		t.Fatalf("volume inspect %s: %v\n%s", name, err, r.Stdout)
	}
	return vs[0]
}

func TestVolumeCreateInspectLs(t *testing.T) {
	t.Parallel()
	e := New(t)
	if got := e.Skiff("volume", "ls").Success(t).Stdout; got != "DRIVER    VOLUME NAME\n" {
		t.Errorf("volume ls of nothing = %q", got)
	}
	if got := e.Skiff("volume", "create", "--label", "team=web", "--label", "tier", "data").Success(t).Out(); got != "data" {
		t.Errorf("volume create printed %q", got)
	}
	v := inspectVolume(t, e, "data")
	if v.Name != "data" || v.Driver != "local" || v.Scope != "local" || v.Mountpoint != filepath.Join(e.Root, "skiff", "volumes", "data", "_data") {
		t.Errorf("inspect = %+v", v)
	}
	if v.Labels["team"] != "web" || v.Labels["tier"] != "" || len(v.Options) != 0 {
		t.Errorf("labels/options = %v %v", v.Labels, v.Options)
	}
	if ts, err := time.Parse(time.RFC3339, v.CreatedAt); err != nil || time.Since(ts) > time.Hour {
		t.Errorf("CreatedAt %q: %v", v.CreatedAt, err)
	}
	raw := e.Skiff("volume", "inspect", "data").Success(t).Stdout
	for _, key := range []string{`"CreatedAt"`, `"Driver"`, `"Labels"`, `"Mountpoint"`, `"Name"`, `"Options": {}`, `"Scope"`} {
		if !strings.Contains(raw, key) {
			t.Errorf("inspect JSON lacks %s:\n%s", key, raw)
		}
	}
	// creating it again is fine and changes nothing
	e.Skiff("volume", "create", "data").Success(t)
	gen := e.Skiff("volume", "create").Success(t).Out()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(gen) {
		t.Errorf("generated name %q", gen)
	}
	e.Skiff("volume", "create", "--opt", "type=tmpfs", "--opt", "o=size=4m", "scratch").Success(t)
	if o := inspectVolume(t, e, "scratch").Options; o["type"] != "tmpfs" || o["o"] != "size=4m" {
		t.Errorf("options = %v", o)
	}

	lines := e.Skiff("volume", "ls").Success(t).Lines()
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "DRIVER") || !strings.Contains(lines[0], "VOLUME NAME") {
		t.Fatalf("volume ls:\n%s", strings.Join(lines, "\n"))
	}
	all := []string{gen, "data", "scratch"}
	sort.Strings(all)
	sorted := strings.Join(all, " ")
	if q := e.Skiff("volume", "ls", "-q").Success(t).Lines(); strings.Join(q, " ") != sorted {
		t.Errorf("volume ls -q = %q", q)
	}
	if got := e.Skiff("volume", "ls", "--format", `{{.Name}} {{.Label "team"}} {{.Labels}}`, "--filter", "label=team").Success(t).Out(); got != "data web team=web,tier=" {
		t.Errorf("ls --format with label filter = %q", got)
	}
	for filter, want := range map[string]string{
		"name=scr":          "scratch",
		"label=team=web":    "data",
		"label=team=db":     "",
		"driver=local":      sorted,
		"dangling=true":     sorted,
		"dangling=false":    "",
		"name=^dat":         "data",
		"label=tier":        "data",
		"label=nosuchlabel": "",
	} {
		if got := strings.Join(e.Skiff("volume", "ls", "-q", "-f", filter).Success(t).Lines(), " "); got != want {
			t.Errorf("volume ls -f %s = %q, want %q", filter, got, want)
		}
	}
	var row map[string]string
	if err := json.Unmarshal([]byte(e.Skiff("volume", "ls", "--format", "json", "-f", "name=data").Success(t).Out()), &row); err != nil {
		t.Fatal(err)
	}
	if row["Name"] != "data" || row["Driver"] != "local" || row["Scope"] != "local" || row["Mountpoint"] == "" {
		t.Errorf("ls json row = %v", row)
	}
	oneErrorLine(t, e.Skiff("volume", "ls", "-f", "color=red"), "invalid filter 'color'")
	oneErrorLine(t, e.Skiff("volume", "ls", "-f", "dangling=maybe"), "invalid filter 'dangling=maybe'")
	if got := e.Skiff("volume", "inspect", "-f", "{{.Name}}:{{.Driver}}", "data", "scratch").Success(t).Lines(); strings.Join(got, " ") != "data:local scratch:local" {
		t.Errorf("inspect -f = %q", got)
	}
	r := e.Skiff("volume", "inspect", "data", "nosuch")
	if r.Code == 0 || !strings.Contains(r.Stderr, "No such volume: nosuch") || !strings.Contains(r.Stdout, `"Name": "data"`) {
		t.Errorf("inspect of one missing volume: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

func TestVolumeCreateBadInput(t *testing.T) {
	t.Parallel()
	e := New(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"x"}, "volume name is too short"},
		{[]string{"a/b"}, `"a/b" includes invalid characters for a local volume name`},
		{[]string{"-d", "nfs", "vol"}, `volume driver "nfs" not found`},
		{[]string{"-o", "type=ext4", "-o", "device=/dev/sda", "vol"}, `volume type "ext4" is not supported by skiff`},
		{[]string{"-o", "color=red", "vol"}, `invalid option key: "color"`},
		{[]string{"-o", "device=/x", "vol"}, `missing required option: "type"`},
		{[]string{"-o", "type=none", "-o", "device=/x", "vol"}, "type=none needs o=bind"},
		{[]string{"-o", "type=none", "-o", "o=bind", "-o", "device=rel", "vol"}, "needs device=/absolute/path"},
		{[]string{"-o", "noequals", "vol"}, "use key=value"},
		{[]string{"a", "b"}, "accepts at most 1 argument"},
	} {
		oneErrorLine(t, e.Skiff(append([]string{"volume", "create"}, tc.args...)...), tc.want)
	}
	if got := e.Skiff("volume", "ls", "-q").Success(t).Out(); got != "" {
		t.Errorf("failed creates left volumes: %q", got)
	}
	e.Skiff("volume", "create", "-o", "type=tmpfs", "v1").Success(t)
	oneErrorLine(t, e.Skiff("volume", "create", "-o", "type=tmpfs", "-o", "o=size=1m", "v1"), "exists with other options")
}

func TestVolumeRm(t *testing.T) {
	t.Parallel()
	e := New(t)
	e.Skiff("volume", "create", "v1").Success(t)
	e.Skiff("volume", "create", "v2").Success(t)
	r := e.Skiff("volume", "rm", "v1", "nosuch", "v2")
	if r.Code == 0 || strings.Join(r.Lines(), " ") != "v1 v2" || !strings.Contains(r.Stderr, "No such volume: nosuch") {
		t.Errorf("volume rm v1 nosuch v2: exit %d, out %q, err %q", r.Code, r.Stdout, r.Stderr)
	}
	if got := e.Skiff("volume", "ls", "-q").Success(t).Out(); got != "" {
		t.Errorf("volumes left: %q", got)
	}
	e.Skiff("volume", "rm", "-f", "nosuch").Success(t)
	e.Skiff("volume", "remove", "--force", "nosuch").Success(t)
	oneErrorLine(t, e.Skiff("volume", "rm"), "requires at least 1 argument")
}

func TestVolumePrune(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("volume", "create", "named").Success(t)
	e.Skiff("volume", "create", "--label", "keep=yes", "kept").Success(t)
	e.Skiff("volume", "create", "inuse").Success(t)
	ctr := e.Skiff("create", "-v", "inuse:/a", "-v", "/anon-used", img, "true").Success(t).Out()
	e.Skiff("run", "--rm", "-v", "/x", img, "sh", "-c", "echo 12345 > /x/f").Success(t) // --rm takes its anonymous volume along
	anon := e.Skiff("create", "-v", "/anon", img, "true").Success(t).Out()
	e.Skiff("rm", anon).Success(t) // leaves its anonymous volume behind
	before := e.Skiff("volume", "ls", "-q").Success(t).Lines()
	if len(before) != 5 {
		t.Fatalf("volumes before prune: %q", before)
	}

	// declined: nothing happens
	r := e.SkiffStdin(strings.NewReader("n\n"), "volume", "prune")
	if r.Code != 0 || !strings.Contains(r.Stdout, "WARNING! This will remove anonymous local volumes not used by at least one container.") {
		t.Errorf("declined prune: exit %d: %s %s", r.Code, r.Stdout, r.Stderr)
	}
	if n := len(e.Skiff("volume", "ls", "-q").Success(t).Lines()); n != 5 {
		t.Errorf("declined prune removed volumes: %d left", n)
	}
	// default: only the unused anonymous volume
	r = e.Skiff("volume", "prune", "-f").Success(t)
	if !strings.HasPrefix(r.Stdout, "Deleted Volumes:\n") || len(r.Lines()) != 3 || !strings.HasPrefix(r.Lines()[2], "Total reclaimed space:") {
		t.Errorf("volume prune -f:\n%s", r.Stdout)
	}
	// --all with a label filter spares the labelled one and the one in use
	r = e.SkiffStdin(strings.NewReader("y\n"), "volume", "prune", "-a", "--filter", "label!=keep")
	if r.Code != 0 || !strings.Contains(r.Stdout, "all local volumes") || !strings.Contains(r.Stdout, "named\n") {
		t.Errorf("prune -a: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	left := e.Skiff("volume", "ls", "--format", "{{.Name}}").Success(t).Lines()
	if len(left) != 3 || !strings.Contains(strings.Join(left, " "), "kept") || !strings.Contains(strings.Join(left, " "), "inuse") {
		t.Errorf("after prune -a: %q", left)
	}
	e.Skiff("rm", "-v", ctr).Success(t)
	e.Skiff("volume", "prune", "-a", "-f").Success(t)
	if got := e.Skiff("volume", "ls", "-q").Success(t).Out(); got != "" {
		t.Errorf("after the last prune: %q", got)
	}
	oneErrorLine(t, e.Skiff("volume", "prune", "-f", "--filter", "dangling=true"), "invalid filter 'dangling'")
}

// A volume a container uses, running or not, cannot be removed, and the
// refusal changes nothing.
func TestVolumeInUseRefused(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("run", "--name", "writer", "-v", "data:/data", img, "sh", "-c", "echo precious > /data/f").Success(t)
	for _, force := range [][]string{nil, {"-f"}} {
		r := e.Skiff(append(append([]string{"volume", "rm"}, force...), "data")...)
		oneErrorLine(t, r, "volume is in use")
	}
	if got := e.Skiff("volume", "ls", "-q").Success(t).Out(); got != "data" {
		t.Fatalf("volumes after refused rm: %q", got)
	}
	if got := e.Skiff("run", "--rm", "-v", "data:/d", img, "cat", "/d/f").Success(t).Out(); got != "precious" {
		t.Errorf("content after refused rm: %q", got)
	}
	e.Skiff("rm", "-v", "writer").Success(t) // a named volume survives rm -v
	if got := e.Skiff("volume", "ls", "-q").Success(t).Out(); got != "data" {
		t.Fatalf("named volume after rm -v: %q", got)
	}
	e.Skiff("volume", "rm", "data").Success(t)
}
