package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// runtimeFigures are issue #3's: `run --rm busybox true` (median and p90),
// `exec true` into a container started with `run -d`, `ps -a` with 50
// containers, and the resident memory (RSS and PSS) of a detached
// container's monitor (skiff's monitor process, podman's conmon). Both
// tools run with --network none: skiff has no other network yet (#5) and
// podman's default adds slirp4netns, which is networking, not runtime.
func runtimeFigures(runs int) []figure {
	runTrue := once(func(tl *tool, fx *fixtures) ([]float64, error) {
		s, err := tl.busyboxStore(fx)
		if err != nil {
			return nil, err
		}
		defer tl.remove(s)
		return repeat(runs*4, func() (time.Duration, error) {
			return tl.run(s, "run", "--rm", "--network", "none", "busybox", "true")
		})
	})
	return []figure{
		{name: "run --rm busybox true", unit: "ms", summary: "median", measure: runTrue},
		{name: "run --rm busybox true", unit: "ms", summary: "p90", measure: runTrue},
		{
			name: "exec true in a container started with run -d", unit: "ms", summary: "median",
			measure: func(tl *tool, fx *fixtures) ([]float64, error) {
				s, err := tl.busyboxStore(fx)
				if err != nil {
					return nil, err
				}
				defer tl.remove(s)
				id, err := tl.output(s, "run", "-d", "--network", "none", "busybox", "sleep", "1000")
				if err != nil {
					return nil, err
				}
				defer func() { _, _ = tl.run(s, "rm", "-f", id) }()
				return repeat(runs*4, func() (time.Duration, error) { return tl.run(s, "exec", id, "true") })
			},
		},
		{
			name: "ps -a with 50 containers", unit: "ms", summary: "median",
			measure: func(tl *tool, fx *fixtures) ([]float64, error) {
				s, err := tl.busyboxStore(fx)
				if err != nil {
					return nil, err
				}
				defer tl.remove(s)
				for i := range 50 {
					if _, err := tl.run(s, "create", "--network", "none", "--name", fmt.Sprintf("c%02d", i), "busybox", "true"); err != nil {
						return nil, err
					}
				}
				return repeat(runs*4, func() (time.Duration, error) { return tl.run(s, "ps", "-a") })
			},
		},
		{name: "resident memory of a monitor, RSS", unit: "MiB", summary: "median", measure: memory("Rss")},
		{name: "resident memory of a monitor, PSS", unit: "MiB", summary: "median", measure: memory("Pss")},
	}
}

// once measures a figure once per tool, for figures that report two
// summaries (median and p90) of the same samples.
func once(measure func(*tool, *fixtures) ([]float64, error)) func(*tool, *fixtures) ([]float64, error) {
	type result struct {
		samples []float64
		err     error
	}
	done := map[*tool]result{}
	return func(tl *tool, fx *fixtures) ([]float64, error) {
		if r, ok := done[tl]; ok {
			return r.samples, r.err
		}
		samples, err := measure(tl, fx)
		done[tl] = result{samples, err}
		return samples, err
	}
}

// memory reports field (Rss, Pss) of the monitors monitorMemory measured.
func memory(field string) func(tl *tool, fx *fixtures) ([]float64, error) {
	return func(tl *tool, fx *fixtures) ([]float64, error) {
		m, err := memoryOnce(tl, fx)
		return m[field], err
	}
}

var memoryOnce = func() func(*tool, *fixtures) (map[string][]float64, error) {
	type result struct {
		m   map[string][]float64
		err error
	}
	done := map[*tool]result{}
	return func(tl *tool, fx *fixtures) (map[string][]float64, error) {
		if r, ok := done[tl]; ok {
			return r.m, r.err
		}
		m, err := monitorMemory(tl, fx)
		done[tl] = result{m, err}
		return m, err
	}
}()

// monitorMemory measures Rss and Pss of /proc/PID/smaps_rollup of the
// monitor of each of a few detached containers, in MiB; the containers
// run side by side, so shared pages are shared as in real use.
func monitorMemory(tl *tool, fx *fixtures) (map[string][]float64, error) {
	s, err := tl.busyboxStore(fx)
	if err != nil {
		return nil, err
	}
	defer tl.remove(s)
	var ids []string
	defer func() {
		for _, id := range ids {
			_, _ = tl.run(s, "rm", "-f", id)
		}
	}()
	for range 3 {
		id, err := tl.output(s, "run", "-d", "--network", "none", "busybox", "sleep", "1000")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	time.Sleep(time.Second) // let them settle after start
	out := map[string][]float64{}
	for _, id := range ids {
		pid, err := tl.monitorPid(s, id)
		if err != nil {
			return nil, err
		}
		for _, field := range []string{"Rss", "Pss"} {
			kib, err := smapsRollup(pid, field)
			if err != nil {
				return nil, err
			}
			out[field] = append(out[field], kib/1024)
		}
	}
	return out, nil
}

// busyboxStore is a fresh store with the busybox test image loaded.
func (tl *tool) busyboxStore(fx *fixtures) (store, error) {
	s := tl.newStore()
	if _, err := tl.run(s, "load", "-i", fx.busybox); err != nil {
		tl.remove(s)
		return s, err
	}
	return s, nil
}

// monitorPid is the pid of the process that watches the container:
// podman's conmon, skiff's monitor (the parent of the container's init).
func (tl *tool) monitorPid(s store, id string) (int, error) {
	if tl.name == "podman" {
		out, err := tl.output(s, "inspect", "--format", "{{.State.ConmonPid}}", id)
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(out)
	}
	out, err := tl.output(s, "inspect", "--format", "{{.State.Pid}}", id)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(out)
	if err != nil {
		return 0, err
	}
	return parentPid(pid)
}

func parentPid(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	return strconv.Atoi(f[1])
}

// smapsRollup reads one field of /proc/PID/smaps_rollup, in KiB.
func smapsRollup(pid int, field string) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == field+":" {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/smaps_rollup", field, pid)
}
