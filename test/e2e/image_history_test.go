package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestHistory(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := imageID(e, img)

	r := e.Skiff("history", img).Success(t)
	lines := r.Lines()
	if !regexp.MustCompile(`^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$`).MatchString(lines[0]) || len(lines) < 2 ||
		!strings.HasPrefix(lines[1], id[:12]+" ") {
		t.Fatalf("history:\n%s", r.Stdout)
	}
	for _, l := range lines[2:] {
		if !strings.HasPrefix(l, "<missing> ") {
			t.Errorf("older step without <missing>: %q", l)
		}
	}
	q := e.Skiff("history", "-q", "--no-trunc", img).Success(t).Lines()
	if q[0] != "sha256:"+id || len(q) != len(lines)-1 {
		t.Errorf("history -q --no-trunc = %q", q)
	}
	raw := e.Skiff("image", "history", "-H=false", "--format", "{{.Size}}|{{.CreatedSince}}", img).Success(t).Lines()
	if !regexp.MustCompile(`^[0-9]+\|\d{4}-\d\d-\d\dT`).MatchString(raw[0]) {
		t.Errorf("history -H=false = %q", raw)
	}
	var row map[string]string
	if err := json.Unmarshal([]byte(e.Skiff("history", "--format", "{{json .}}", img).Success(t).Lines()[0]), &row); err != nil ||
		row["ID"] != id[:12] || row["CreatedBy"] == "" && row["Comment"] == "" {
		t.Errorf("history {{json .}} = %v, %v", row, err)
	}
	oneErrorLine(t, e.Skiff("history", "nosuch"), "No such image: nosuch")
}
