package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestImagesTableAndFormats(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("tag", img, "other:1").Success(t)

	r := e.Skiff("images").Success(t)
	lines := r.Lines()
	if !regexp.MustCompile(`^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$`).MatchString(lines[0]) || len(lines) != 3 {
		t.Fatalf("images:\n%s", r.Stdout)
	}
	if !regexp.MustCompile(`^busybox\s+latest\s+[0-9a-f]{12}\s+.+ ago\s+[0-9.]+[kM]B$`).MatchString(lines[2]) &&
		!regexp.MustCompile(`^busybox\s+latest\s+[0-9a-f]{12}\s+.+ ago\s+[0-9.]+[kM]B$`).MatchString(lines[1]) {
		t.Errorf("images rows:\n%s", r.Stdout)
	}
	ids := e.Skiff("image", "ls", "-q").Success(t).Lines()
	if len(ids) != 2 || len(ids[0]) != 12 || ids[0] != ids[1] {
		t.Errorf("images -q = %q", ids)
	}
	full := e.Skiff("images", "-q", "--no-trunc").Success(t).Lines()
	if !strings.HasPrefix(full[0], "sha256:"+ids[0]) || len(full[0]) != 71 {
		t.Errorf("images -q --no-trunc = %q", full)
	}
	if h := e.Skiff("images", "--digests").Success(t).Lines()[0]; !regexp.MustCompile(`^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID`).MatchString(h) {
		t.Errorf("images --digests header %q", h)
	}
	var row map[string]string
	js := e.Skiff("images", "--format", "{{json .}}", "other").Success(t).Out()
	if err := json.Unmarshal([]byte(js), &row); err != nil {
		t.Fatalf("{{json .}}: %v: %s", err, js)
	}
	for _, k := range []string{"Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"} {
		if _, ok := row[k]; !ok {
			t.Errorf("{{json .}} lacks %s: %s", k, js)
		}
	}
	if row["Repository"] != "other" || row["Tag"] != "1" || len(row) != 11 {
		t.Errorf("{{json .}} = %v", row)
	}
	r = e.Skiff("images", "--format", "table {{.Repository}}:{{.Tag}}\t{{.Size}}", "busybox").Success(t)
	if l := r.Lines(); len(l) != 2 || !strings.HasPrefix(l[0], "REPOSITORY:TAG") || !strings.HasPrefix(l[1], "busybox:latest ") {
		t.Errorf("table format:\n%s", r.Stdout)
	}
	oneErrorLine(t, e.Skiff("images", "--format", "{{.Nope"), "template")
}

func TestImagesFilters(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	older := rootfsTar(e, "a.tar", map[string]string{"etc/a": "a"})
	e.Skiff("import", "--change", "LABEL team=blue", older, "labeled:1").Success(t)
	e.Skiff("import", rootfsTar(e, "b.tar", map[string]string{"etc/b": "b"})).Success(t)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--filter", "dangling=true"}, "<none>:<none>"},
		{[]string{"--filter", "dangling=false"}, "labeled:1 busybox:latest"},
		{[]string{"--filter", "label=team=blue"}, "labeled:1"},
		{[]string{"--filter", "label=team"}, "labeled:1"},
		{[]string{"--filter", "label=team=red"}, ""},
		{[]string{"--filter", "reference=busy*"}, "busybox:latest"},
		{[]string{"--filter", "reference=labeled:1"}, "labeled:1"},
		{[]string{"busybox"}, "busybox:latest"},
		{[]string{"--filter", "since=busybox"}, "<none>:<none> labeled:1"},
		{[]string{"--filter", "before=labeled:1"}, "busybox:latest"},
		{[]string{"--filter", "until=2024-01-01", "--filter", "dangling=false"}, "busybox:latest"},
	} {
		args := append([]string{"images", "--format", "{{.Repository}}:{{.Tag}}"}, tc.args...)
		if got := strings.Join(e.Skiff(args...).Success(t).Lines(), " "); got != tc.want {
			t.Errorf("images %q = %q, want %q", tc.args, got, tc.want)
		}
	}
	oneErrorLine(t, e.Skiff("images", "--filter", "color=red"), `invalid filter "color=red"`)
	oneErrorLine(t, e.Skiff("images", "--filter", "dangling=maybe"), "dangling=true or dangling=false")
	oneErrorLine(t, e.Skiff("images", "--filter", "since=nosuch"), "No such image: nosuch")
}
