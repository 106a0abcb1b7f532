package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// kill -9 of `compose up` at each of its moments (a build step running,
// an image pulling, networks and volumes being made, a container being
// created, between two creates, a container starting, between two
// services' starts) leaves what the next commands need: the next up
// converges to one running container per service, and down (right
// after the kill, or after that up) removes every container, network
// and volume the project made. SKIFF_TEST_SLOW=1 does both after every
// point.
func TestComposeKillUp(t *testing.T) {
	Require(t, "busybox", "debian", "registry")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	e.RegistriesConf("")
	pulled := RegistryImage(t, "debian")
	dir := composeProject(e, "kp", map[string]string{
		"compose.yaml": fmt.Sprintf(`
services:
  built:
    build:
      context: ./b
      args: {ROUND: "${ROUND:-0}"}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  pulled:
    image: %s
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  a:
    image: busybox
    command: ["sleep", "600"]
    networks: [n]
    volumes: [vol:/v]
    stop_signal: SIGKILL
  b:
    image: busybox
    command: ["sleep", "600"]
    networks: [n]
    depends_on: [a]
    stop_signal: SIGKILL
networks:
  n:
volumes:
  vol:
`, pulled),
		"b/Dockerfile": "FROM busybox\nARG ROUND\nRUN echo building round $ROUND && sleep 2\n",
	})
	services := []string{"a", "b", "built", "pulled"}
	points := []struct {
		name  string
		line  *regexp.Regexp // progress line of up -d to kill at
		delay time.Duration  // after it
	}{
		{"during a build step", regexp.MustCompile(`building round`), 300 * time.Millisecond},
		{"during a pull", regexp.MustCompile(`Unable to find image`), 300 * time.Millisecond},
		{"creating the network", regexp.MustCompile(`Network kp_n\s+Creating`), 0},
		{"creating the volume", regexp.MustCompile(`Volume kp_vol\s+Creating`), 0},
		{"creating a container", regexp.MustCompile(`Container kp-a-1\s+Creating`), 0},
		{"between creates", regexp.MustCompile(`Container kp-a-1\s+Created`), 0},
		{"starting a container", regexp.MustCompile(`Container kp-a-1\s+Starting`), 0},
		{"between services' starts", regexp.MustCompile(`Container kp-a-1\s+Started`), 0},
	}
	for round, pt := range points {
		// each point once, down right after the kill at every other one;
		// the slow suite does both at every point
		variants := []bool{round%2 == 1}
		if os.Getenv("SKIFF_TEST_SLOW") == "1" {
			variants = []bool{false, true}
		}
		for _, downFirst := range variants {
			e.Setenv("ROUND", fmt.Sprintf("%d-%t", round, downFirst))
			if round < 2 {
				e.Skiff("rmi", "-f", pulled, "kp-built") // built and pulled again
			}
			killUpAt(t, e, dir, pt.line, pt.delay, pt.name)
			if !downFirst {
				r := compose(e, dir, "up", "-d")
				if r.Code != 0 {
					t.Fatalf("up after kill -9 %s: exit %d\n%s", pt.name, r.Code, r.Stderr)
				}
				ps := compose(e, dir, "ps", "-a", "--format", "{{.Service}} {{.State}}").Success(t).Lines()
				slices.Sort(ps)
				if want := []string{"a running", "b running", "built running", "pulled running"}; !slices.Equal(ps, want) {
					t.Fatalf("after kill -9 %s and up: %v, want one running container per service %v", pt.name, ps, services)
				}
			}
			r := compose(e, dir, "down", "-v")
			if r.Code != 0 {
				t.Fatalf("down after kill -9 %s (down first: %t): exit %d\n%s", pt.name, downFirst, r.Code, r.Stderr)
			}
			if left := e.Skiff("ps", "-a", "--format", "{{.Names}}").Success(t).Lines(); len(left) != 0 {
				t.Fatalf("after kill -9 %s (down first: %t) and down: containers %v", pt.name, downFirst, left)
			}
			if nets := e.Skiff("network", "ls", "--format", "{{.Name}}").Success(t).Out(); strings.Contains(nets, "kp_") {
				t.Fatalf("after kill -9 %s and down: networks %s", pt.name, nets)
			}
			if vols := e.Skiff("volume", "ls", "--format", "{{.Name}}").Success(t).Out(); strings.Contains(vols, "kp_") {
				t.Fatalf("after kill -9 %s and down -v: volumes %s", pt.name, vols)
			}
		}
	}
}

// killUpAt starts `compose up -d` and kills it (SIGKILL) delay after it
// printed a line matching line; it fails the test when up ends first.
func killUpAt(t *testing.T, e *Env, dir string, line *regexp.Regexp, delay time.Duration, what string) {
	t.Helper()
	cmd := e.Cmd("compose", "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml"), "up", "-d")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if line.MatchString(sc.Text()) {
			time.Sleep(delay)
			_ = cmd.Process.Kill()
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	_ = cmd.Wait()
	if cmd.ProcessState.ExitCode() != -1 {
		t.Fatalf("up -d ended (exit %d) before the kill %s:\n%s", cmd.ProcessState.ExitCode(), what, strings.Join(seen, "\n"))
	}
	t.Logf("killed up -d %s after: %s", what, seen[len(seen)-1])
}
