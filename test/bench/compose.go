package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// composeProject is issue #12's bench project: a proxy publishing a
// port, two web backends, a named volume and a user network.
const composeProject = `
services:
  proxy:
    image: busybox
    command: ["httpd", "-f", "-p", "80"]
    ports: ["127.0.0.1::80"]
    networks: [app]
    depends_on: [web1, web2]
    stop_signal: SIGKILL
  web1:
    image: busybox
    command: ["httpd", "-f", "-p", "80"]
    volumes: [data:/data]
    networks: [app]
    stop_signal: SIGKILL
  web2:
    image: busybox
    command: ["httpd", "-f", "-p", "80"]
    networks: [app]
    stop_signal: SIGKILL
networks:
  app:
volumes:
  data:
`

// composePhases are the commands of one round, in order.
var composePhases = []string{"up -d", "ps", "down"}

// composeSamples are one tool's rounds: per phase, wall and CPU time
// (user + system of the command and the processes it waited for; the
// containers' monitors, which outlive it, are not counted for either
// tool) in milliseconds.
type composeSamples struct {
	wall, cpu [][]float64
	err       error
}

// composeFigures are issue #12's: up -d from images already there, ps,
// and down of composeProject, by skiff compose and by podman-compose
// (Debian's, over podman) when installed. Wall time is what a user
// waits; CPU time is the figure to trust on a loaded machine. The
// figures of one round share its measurement.
func composeFigures(runs int) []figure {
	// batches[tool] are its measured rounds; a figure's k-th call for a
	// tool reads batch k, and the call finding none left measures one, so
	// that with -interleave every round measures anew, each tool in turn
	batches := map[string][]*composeSamples{}
	served := map[string]int{}
	phase := func(which int, cpu bool) func(tl *tool, fx *fixtures) ([]float64, error) {
		return func(tl *tool, fx *fixtures) ([]float64, error) {
			key := fmt.Sprintf("%s/%d/%v", tl.name, which, cpu)
			if served[key] == len(batches[tl.name]) {
				batches[tl.name] = append(batches[tl.name], composeRounds(tl, fx, runs))
			}
			s := batches[tl.name][served[key]]
			served[key]++
			if s.err != nil {
				return nil, s.err
			}
			if cpu {
				return s.cpu[which], nil
			}
			return s.wall[which], nil
		}
	}
	var out []figure
	for i, name := range []string{
		"compose up -d (proxy + 2 backends, volume, network)", "compose ps (3 containers)", "compose down (3 containers, network)",
	} {
		out = append(out,
			figure{name: name, unit: "ms", summary: "median", measure: phase(i, false)},
			figure{name: name + " CPU", unit: "ms", summary: "median", measure: phase(i, true)})
	}
	return out
}

// composeRounds loads busybox in a fresh store and runs runs rounds of
// up -d, ps and down of composeProject.
func composeRounds(tl *tool, fx *fixtures, runs int) *composeSamples {
	out := &composeSamples{wall: make([][]float64, len(composePhases)), cpu: make([][]float64, len(composePhases))}
	c, cleanup, err := composeRunner(tl, fx)
	if err != nil {
		out.err = err
		return out
	}
	defer cleanup()
	for range runs {
		for i, ph := range composePhases {
			wall, cpu, err := c(strings.Fields(ph)...)
			if err != nil {
				out.err = err
				return out
			}
			out.wall[i] = append(out.wall[i], float64(wall.Microseconds())/1000)
			out.cpu[i] = append(out.cpu[i], float64(cpu.Microseconds())/1000)
		}
	}
	return out
}

// composeRunner prepares a store with busybox and the project's file,
// and returns how to run a compose command on them: `skiff compose`, or
// podman-compose with podman's --root and --runroot.
func composeRunner(tl *tool, fx *fixtures) (func(args ...string) (time.Duration, time.Duration, error), func(), error) {
	bin, global := tl.bin, []string(nil)
	s := tl.newStore()
	cleanup := func() { tl.remove(s) }
	if tl.name == "podman" {
		pc, err := exec.LookPath("podman-compose")
		if err != nil {
			return nil, cleanup, fmt.Errorf("podman-compose is not installed (Debian package podman-compose)")
		}
		bin, global = pc, []string{"--podman-args=--root " + s.root + " --runroot " + s.runroot}
	}
	if _, err := tl.run(s, "load", "-i", fx.busybox); err != nil {
		return nil, cleanup, err
	}
	dir := filepath.Join(tl.dir, fmt.Sprintf("proj%d", tl.n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, cleanup, err
	}
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(composeProject), 0o644); err != nil {
		return nil, cleanup, err
	}
	os.Chown(dir, tl.uid, tl.gid)
	os.Chown(file, tl.uid, tl.gid)
	if tl.name != "podman" { // skiff, or the baseline build of it
		global = []string{"--root", s.root, "--runroot", s.runroot, "compose"}
	}
	run := func(args ...string) (time.Duration, time.Duration, error) {
		full := append(append(append([]string(nil), global...), "-f", file, "-p", "bench"), args...)
		cmd := exec.Command(bin, full...)
		cmd.Env, cmd.Dir = tl.env, dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: tl.cred}
		var outb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &outb, &outb
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		if err != nil {
			return 0, 0, fmt.Errorf("%s %s: %v: %s", filepath.Base(bin), strings.Join(args, " "), err, lastLine(outb.String()))
		}
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		return wall, cpu, nil
	}
	return run, func() {
		_, _, _ = run("down")
		cleanup()
	}, nil
}
