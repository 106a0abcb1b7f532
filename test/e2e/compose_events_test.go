package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// composeEventLine is a line of compose events --json (docker compose's
// shape).
type composeEventLine struct {
	Time       time.Time         `json:"time"`
	Type       string            `json:"type"`
	Action     string            `json:"action"`
	ID         string            `json:"id"`
	Service    string            `json:"service"`
	Attributes map[string]string `json:"attributes"`
}

// compose events shows the project's container events only, in docker
// compose's JSON shape or as text, for a time range or as they come,
// all services' or those named.
func TestComposeEvents(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	dir := composeProject(e, "ev", map[string]string{
		"compose.yaml": `
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  db:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`,
	})
	since := fmt.Sprint(time.Now().Add(-time.Second).Unix())
	e.Skiff("run", "-d", "--name", "outsider", BusyboxImage, "sleep", "600").Success(t)
	compose(e, dir, "up", "-d").Success(t)
	compose(e, dir, "stop", "db").Success(t)
	e.Skiff("stop", "-t", "0", "outsider").Success(t)
	until := fmt.Sprint(time.Now().Add(time.Second).Unix())

	parse := func(r Result) []composeEventLine {
		t.Helper()
		var out []composeEventLine
		for _, l := range r.Lines() {
			var ev composeEventLine
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("compose events --json line %q: %v", l, err)
			}
			out = append(out, ev)
		}
		return out
	}
	seen := func(evs []composeEventLine) []string {
		var out []string
		for _, ev := range evs {
			if s := ev.Service + " " + ev.Action; !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	evs := parse(compose(e, dir, "events", "--json", "--since", since, "--until", until).Success(t))
	for _, want := range []string{"web create", "web start", "db create", "db start", "db stop"} {
		if !slices.Contains(seen(evs), want) {
			t.Errorf("compose events lacks %q: %v", want, seen(evs))
		}
	}
	for _, ev := range evs {
		if ev.Type != "container" || ev.ID == "" || ev.Time.IsZero() || ev.Attributes["name"] == "outsider" ||
			ev.Attributes["name"] != "ev-"+ev.Service+"-1" {
			t.Errorf("compose events: %+v", ev)
		}
	}
	// the services named only
	for _, ev := range parse(compose(e, dir, "events", "--json", "--since", since, "--until", until, "db").Success(t)) {
		if ev.Service != "db" {
			t.Errorf("compose events db: %+v", ev)
		}
	}
	// text
	text := compose(e, dir, "events", "--since", since, "--until", until).Success(t).Stdout
	if !strings.Contains(text, "container start ") || !strings.Contains(text, "name=ev-web-1") || strings.Contains(text, "outsider") {
		t.Errorf("compose events as text:\n%s", text)
	}
	// as they come
	cmd := e.Cmd("compose", "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml"), "events", "--json")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	time.Sleep(500 * time.Millisecond)
	compose(e, dir, "start", "db").Success(t)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("compose events ended")
			}
			var ev composeEventLine
			if json.Unmarshal([]byte(l), &ev) == nil && ev.Service == "db" && ev.Action == "start" {
				compose(e, dir, "down").Success(t)
				return
			}
		case <-deadline:
			t.Fatal("compose events did not show db's start")
		}
	}
}
