package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// psSetup makes three containers: "up" running, "done" exited with 3,
// "fresh" created; labels on up and done.
func psSetup(t *testing.T, e *Env) (up, done, fresh string) {
	t.Helper()
	img := e.LoadBusybox()
	done = e.Skiff("create", "--name", "done", "-l", "tier=back", img, "sh", "-c", "exit 3").Success(t).Out()
	e.Skiff("start", "-a", "done").Fail(t, 3, "")
	up = e.Skiff("run", "-d", "--name", "up", "-l", "tier=front", "-l", "com.example.app-name=web", img,
		"sh", "-c", "echo a long command line that docker truncates; sleep 100").Success(t).Out()
	fresh = e.Skiff("create", "--name", "fresh", img, "echo", "hi").Success(t).Out()
	return up, done, fresh
}

func TestPsTable(t *testing.T) {
	t.Parallel()
	e := New(t)
	if got := e.Skiff("ps").Success(t).Stdout; got != "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n" {
		t.Errorf("empty ps = %q", got)
	}
	up, done, fresh := psSetup(t, e)
	r := e.Skiff("ps").Success(t)
	lines := r.Lines()
	if len(lines) != 2 || !regexp.MustCompile(`^CONTAINER ID   IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$`).MatchString(lines[0]) {
		t.Fatalf("ps:\n%s", r.Stdout)
	}
	row := regexp.MustCompile(`^` + up[:12] + ` +busybox:latest +"sh -c 'echo a long …" +(Less than a second|\d+ seconds?) ago +Up (Less than a second|\d+ seconds?) +up$`)
	if !row.MatchString(lines[1]) {
		t.Errorf("ps row %q does not match %s", lines[1], row)
	}
	all := e.Skiff("ps", "-a").Success(t).Lines()
	if len(all) != 4 {
		t.Fatalf("ps -a:\n%s", strings.Join(all, "\n"))
	}
	// newest first; docker's status texts
	for i, want := range []string{fresh[:12] + ` .* Created +fresh$`, up[:12] + ` .* Up .* up$`, done[:12] + ` .* Exited \(3\) .* ago +done$`} {
		if !regexp.MustCompile(want).MatchString(all[i+1]) {
			t.Errorf("ps -a row %d %q, want %s", i+1, all[i+1], want)
		}
	}
	if got := e.Skiff("ps", "-a", "--no-trunc").Success(t).Lines()[2]; !strings.HasPrefix(got, up+" ") || !strings.Contains(got, `"sh -c 'echo a long command line that docker truncates; sleep 100'"`) {
		t.Errorf("ps --no-trunc row %q", got)
	}
	if got := e.Skiff("ps", "-aq").Success(t).Stdout; got != fresh[:12]+"\n"+up[:12]+"\n"+done[:12]+"\n" {
		t.Errorf("ps -aq = %q", got)
	}
	if got := e.Skiff("ps", "-q", "--no-trunc").Success(t).Out(); got != up {
		t.Errorf("ps -q --no-trunc = %q", got)
	}
	if got := e.Skiff("ps", "-n", "2", "-q").Success(t).Stdout; got != fresh[:12]+"\n"+up[:12]+"\n" {
		t.Errorf("ps -n 2 = %q", got)
	}
	if got := e.Skiff("ps", "-l", "-q").Success(t).Out(); got != fresh[:12] {
		t.Errorf("ps -l = %q", got)
	}
	r = e.Skiff("ps", "-q", "--format", "{{.Names}}").Success(t)
	if r.Out() != up[:12] || !strings.Contains(r.Stderr, "Ignoring custom format") {
		t.Errorf("ps -q --format: %q %q", r.Stdout, r.Stderr)
	}
	// -s adds docker's SIZE column
	sized := e.Skiff("ps", "-s").Success(t).Lines()
	if !strings.HasSuffix(sized[0], "NAMES     SIZE") || !regexp.MustCompile(`up +\d[\d.]*[kMG]?B \(virtual \d[\d.]*[kMG]?B\)$`).MatchString(sized[1]) {
		t.Errorf("ps -s:\n%s", strings.Join(sized, "\n"))
	}
	e.Skiff("ps", "extra").Fail(t, 125, "accepts no arguments")
}

func TestPsFilters(t *testing.T) {
	t.Parallel()
	e := New(t)
	up, done, fresh := psSetup(t, e)
	importImage(e, "other")
	other := e.Skiff("create", "--name", "other-img", "other", "true").Success(t).Out()
	names := func(args ...string) string {
		t.Helper()
		r := e.Skiff(append([]string{"ps", "--format", "{{.Names}}"}, args...)...).Success(t)
		return strings.Join(r.Lines(), " ")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-a", "-f", "status=exited"}, "done"},
		{[]string{"-f", "status=exited"}, "done"}, // status implies -a
		{[]string{"-f", "status=created", "-f", "status=running"}, "other-img fresh up"},
		{[]string{"-a", "-f", "name=up"}, "up"},
		{[]string{"-a", "-f", "name=^/?d"}, "done"},
		{[]string{"-a", "-f", "name=e"}, "other-img fresh done"},
		{[]string{"-a", "-f", "label=tier"}, "up done"},
		{[]string{"-a", "-f", "label=tier=back"}, "done"},
		{[]string{"-a", "-f", "label=tier", "-f", "label=com.example.app-name=web"}, "up"},
		{[]string{"-a", "-f", "exited=3"}, "done"},
		{[]string{"-a", "-f", "exited=0"}, ""},
		{[]string{"-a", "-f", "id=" + up[:6]}, "up"},
		{[]string{"-a", "-f", "id=" + fresh}, "fresh"},
		{[]string{"-a", "-f", "ancestor=busybox"}, "fresh up done"},
		{[]string{"-a", "-f", "ancestor=other"}, "other-img"},
		{[]string{"-a", "-f", "ancestor=nosuchimage"}, ""},
		{[]string{"-f", "before=fresh"}, "up done"}, // before/since imply -a
		{[]string{"-f", "since=done"}, "other-img fresh up"},
		{[]string{"-a", "-f", "network=bridge"}, "other-img fresh up done"},
		{[]string{"-a", "-f", "status=running", "-f", "label=tier=back"}, ""},
	} {
		if got := names(tc.args...); got != tc.want {
			t.Errorf("ps %v = %q, want %q", tc.args, got, tc.want)
		}
	}
	_ = done
	_ = other
	for _, tc := range []struct{ filter, msg string }{
		{"bogus=1", "invalid filter 'bogus'"},
		{"status=sleeping", "invalid filter 'status=sleeping'"},
		{"exited=x", "invalid filter 'exited=x'"},
		{"noequals", "bad format of filter"},
		{"before=nosuch", "No such container: nosuch"},
	} {
		r := e.Skiff("ps", "-f", tc.filter).Fail(t, 125, tc.msg)
		if r.Stdout != "" || strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("ps -f %s: stdout %q stderr %q", tc.filter, r.Stdout, r.Stderr)
		}
	}
}

func TestPsFormat(t *testing.T) {
	t.Parallel()
	e := New(t)
	up, _, _ := psSetup(t, e)
	r := e.Skiff("ps", "--format", "{{json .}}").Success(t)
	var row map[string]string
	if err := json.Unmarshal([]byte(r.Out()), &row); err != nil {
		t.Fatalf("{{json .}}: %v: %s", err, r.Stdout)
	}
	want := map[string]string{
		"ID": up[:12], "Image": "busybox:latest", "Names": "up", "State": "running", "Networks": "bridge",
		"Labels": "com.example.app-name=web,tier=front", "Ports": "", "Mounts": "", "LocalVolumes": "0",
		"Command": `"sh -c 'echo a long …"`,
	}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("{{json .}} %s = %q, want %q", k, row[k], v)
		}
	}
	for _, k := range []string{"CreatedAt", "RunningFor", "Status", "Size"} {
		if row[k] == "" {
			t.Errorf("{{json .}} lacks %s: %v", k, row)
		}
	}
	if len(row) != 14 {
		t.Errorf("{{json .}} has %d fields, docker 14: %v", len(row), row)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$`).MatchString(row["CreatedAt"]) {
		t.Errorf("CreatedAt = %q", row["CreatedAt"])
	}
	// the same object, but for the fields that tell the time since
	got := map[string]string{}
	if out := e.Skiff("ps", "--format", "json").Success(t).Out(); json.Unmarshal([]byte(out), &got) != nil {
		t.Errorf("--format json = %q, want the {{json .}} line", out)
	} else {
		for _, k := range []string{"RunningFor", "Status"} {
			got[k] = row[k]
		}
		if !reflect.DeepEqual(got, row) {
			t.Errorf("--format json = %v, want the {{json .}} line %v", got, row)
		}
	}
	table := e.Skiff("ps", "--format", `table {{.Names}}\t{{.Label "com.example.app-name"}}\t{{.State}}`).Success(t).Stdout
	if table != "NAMES     app name   STATE\nup        web        running\n" {
		t.Errorf("table with .Label:\n%s", table)
	}
	if got := e.Skiff("ps", "-a", "--format", "{{.Names}}:{{.Status}}", "-f", "name=done").Success(t).Out(); !regexp.MustCompile(`^done:Exited \(3\) (Less than a second|\d+ seconds?) ago$`).MatchString(got) {
		t.Errorf("status of done = %q", got)
	}
	if got := e.Skiff("ps", "--format", "table").Success(t).Lines(); len(got) != 2 || !strings.HasPrefix(got[0], "CONTAINER ID") {
		t.Errorf("--format table = %q", got)
	}
	if got := e.Skiff("ps", "--format", "{{.Size}}").Success(t).Out(); !strings.Contains(got, "virtual") {
		t.Errorf("a template using .Size computes sizes: %q", got)
	}
	e.Skiff("ps", "--format", "{{.Nope}}").Fail(t, 125, "Nope")
	e.Skiff("ps", "--format", "{{.ID").Fail(t, 125, "template")
}

// ps reads skiff's own records: it opens no image store and, rootless,
// needs no user namespace; -s does open the store.
func TestPsWithoutStore(t *testing.T) {
	t.Parallel()
	e := New(t)
	e.Skiff("ps", "-a").Success(t)
	if entries, _ := os.ReadDir(e.Root); len(entries) != 0 {
		t.Errorf("ps -a created %v in a fresh root", entries)
	}
	if e.Rootless {
		if _, err := os.Stat(filepath.Join(e.RuntimeDir(), "pause.pid")); err == nil {
			t.Errorf("ps -a started the user namespace")
		}
	}
	// and with containers, after their user namespace is gone
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", img, "sleep", "100").Success(t).Out()
	e.Skiff("run", "--name", "ended", img, "true").Success(t)
	if got := e.Skiff("ps", "-q", "--no-trunc").Out(); got != id {
		t.Errorf("ps -q = %q", got)
	}
	e.Skiff("rm", "-f", id).Success(t)
	if got := e.Skiff("logs", "ended").Success(t).Stdout; got != "" {
		t.Errorf("logs = %q", got)
	}
}

// ps and inspect show the mounts recorded at create: MOUNTS, LOCAL
// VOLUMES, volume=, .Mounts.
func TestPsMounts(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	src := e.Mkdir("bindsource")
	e.Skiff("run", "-d", "--name", "vol", "-v", "data:/data", "-v", src+":/b", img, "sleep", "100").Success(t)
	e.Skiff("run", "-d", "--name", "plain", img, "sleep", "100").Success(t)
	if got := e.Skiff("ps", "-f", "name=vol", "--format", "{{.Mounts}} {{.LocalVolumes}}").Success(t).Out(); got != "data,"+ellipsisText(src, 15)+" 1" {
		t.Errorf("MOUNTS LOCAL VOLUMES = %q", got)
	}
	if got := e.Skiff("ps", "-f", "name=vol", "--no-trunc", "--format", "{{.Mounts}}").Success(t).Out(); got != "data,"+src {
		t.Errorf("--no-trunc MOUNTS = %q", got)
	}
	for _, f := range []string{"volume=data", "volume=/data", "volume=" + src, "volume=/b"} {
		if got := e.Skiff("ps", "-f", f, "--format", "{{.Names}}").Success(t).Out(); got != "vol" {
			t.Errorf("ps -f %s = %q", f, got)
		}
	}
	if got := e.Skiff("ps", "-f", "volume=nosuch", "-q").Success(t).Out(); got != "" {
		t.Errorf("ps -f volume=nosuch = %q", got)
	}
	got := inspectField(e, "vol", `{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}}:{{.RW}} {{end}}`)
	if got != "volume:data:/data:true bind::/b:true" {
		t.Errorf(".Mounts = %q", got)
	}
	if got := inspectField(e, "plain", "{{json .Mounts}}"); got != "[]" {
		t.Errorf(".Mounts without mounts = %s", got)
	}
}

func ellipsisText(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
