package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestStats(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	id := e.Skiff("run", "-d", "--name", "busy", img, "sh", "-c", "while :; do :; done").Success(t).Out()
	e.Skiff("create", "--name", "idle", img, "true").Success(t)

	out := e.Skiff("stats", "--no-stream").Success(t).Lines()
	if len(out) != 2 || !strings.HasPrefix(out[0], "CONTAINER ID") || !strings.Contains(out[0], "MEM USAGE / LIMIT") {
		t.Fatalf("stats --no-stream shows only running containers under docker's header:\n%s", strings.Join(out, "\n"))
	}
	if !strings.HasPrefix(out[1], id[:12]) || !strings.Contains(out[1], "busy") {
		t.Fatalf("stats row = %q", out[1])
	}
	var row struct{ ID, Name, CPUPerc, MemUsage, PIDs string }
	if err := json.Unmarshal([]byte(e.Skiff("stats", "--no-stream", "--format", "{{json .}}", "busy").Success(t).Out()), &row); err != nil {
		t.Fatal(err)
	}
	cpu, err := strconv.ParseFloat(strings.TrimSuffix(row.CPUPerc, "%"), 64)
	if err != nil || cpu <= 1 || row.PIDs != "1" || !strings.Contains(row.MemUsage, " / ") {
		t.Fatalf("a busy loop's stats = %+v", row)
	}
	all := e.Skiff("stats", "--no-stream", "-a", "--format", "{{.Name}} {{.PIDs}}").Success(t).Lines()
	if len(all) != 2 || !strings.Contains(strings.Join(all, ","), "idle 0") {
		t.Fatalf("stats -a = %q", all)
	}
	e.Skiff("stats", "--no-stream", "nosuch").Fail(t, 125, "No such container: nosuch")
}
