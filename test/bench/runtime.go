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
// container's monitor (skiff's monitor process, podman's conmon); and
// issue #18's: the same commands typed 2 s after the previous one (as
// people type: what a helper's linger or a cold cache costs shows), 50
// creates in a row and one rm -f of the 50. Both tools run with
// --network none: podman's default adds slirp4netns, which is
// networking, not runtime (networkFigures has the default network).
func runtimeFigures(runs int) []figure {
	runTrue := once(runNone(runs*4, 0))
	return []figure{
		{name: "run --rm busybox true", unit: "ms", summary: "median", measure: runTrue},
		{name: "run --rm busybox true", unit: "ms", summary: "p90", measure: runTrue},
		{name: "run --rm busybox true, 2 s after the previous command", unit: "ms", summary: "median", measure: runNone(runs*2, pause)},
		{name: "exec true in a container started with run -d", unit: "ms", summary: "median", measure: execTrue(runs*4, 0)},
		{name: "exec true, 2 s after the previous command", unit: "ms", summary: "median", measure: execTrue(runs*2, pause)},
		{name: "ps -a with 50 containers", unit: "ms", summary: "median", measure: psFifty(runs*4, 0)},
		{name: "ps -a with 50 containers, 2 s after the previous command", unit: "ms", summary: "median", measure: psFifty(runs*2, pause)},
		{name: "50 x create busybox true", unit: "s", summary: "median", measure: createRemove("create", runs)},
		{name: "rm -f of 50 containers (one command)", unit: "ms", summary: "median", measure: createRemove("rm", runs)},
		{name: "resident memory of a monitor, RSS", unit: "MiB", summary: "median", measure: memory("Rss")},
		{name: "resident memory of a monitor, PSS", unit: "MiB", summary: "median", measure: memory("Pss")},
	}
}

// pause is the time between two commands of the "2 s after" figures.
const pause = 2 * time.Second

// runNone measures n of `run --rm --network none busybox true`, each
// after pause.
func runNone(n int, pause time.Duration) func(*tool, *fixtures) ([]float64, error) {
	return func(tl *tool, fx *fixtures) ([]float64, error) {
		s, err := tl.busyboxStore(fx)
		if err != nil {
			return nil, err
		}
		defer tl.remove(s)
		return repeatAfter(n, pause, func() (time.Duration, error) {
			return tl.run(s, "run", "--rm", "--network", "none", "busybox", "true")
		})
	}
}

// execTrue measures n of `exec ID true` into a container started with
// run -d, each after pause.
func execTrue(n int, pause time.Duration) func(*tool, *fixtures) ([]float64, error) {
	return func(tl *tool, fx *fixtures) ([]float64, error) {
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
		return repeatAfter(n, pause, func() (time.Duration, error) { return tl.run(s, "exec", id, "true") })
	}
}

// psFifty measures n of `ps -a` with 50 created containers, each after
// pause.
func psFifty(n int, pause time.Duration) func(*tool, *fixtures) ([]float64, error) {
	return func(tl *tool, fx *fixtures) ([]float64, error) {
		s, err := tl.busyboxStore(fx)
		if err != nil {
			return nil, err
		}
		defer tl.remove(s)
		if _, err := createFifty(tl, s); err != nil {
			return nil, err
		}
		return repeatAfter(n, pause, func() (time.Duration, error) { return tl.run(s, "ps", "-a") })
	}
}

// createFifty creates containers c00..c49 in s and returns the total
// time (in CPU mode, CPU time) of the 50 commands.
func createFifty(tl *tool, s store) (time.Duration, error) {
	var total time.Duration
	for i := range 50 {
		d, err := tl.run(s, "create", "--network", "none", "--name", fmt.Sprintf("c%02d", i), "busybox", "true")
		if err != nil {
			return 0, err
		}
		total += d
	}
	return total, nil
}

// createRemove reports which ("create": 50 creates in a row, in s; "rm":
// one rm -f of the 50, in ms) of measureCreateRemove's samples. The two
// figures share each measurement: the create figure's k-th call and the
// rm figure's k-th call for a tool get the same one's, and a call finding
// none left measures anew, so that with -interleave every round measures
// both again, each tool in turn (the rounds once repeated a single
// measurement).
func createRemove(which string, runs int) func(*tool, *fixtures) ([]float64, error) {
	return func(tl *tool, fx *fixtures) ([]float64, error) {
		r := createRemoveResults[tl]
		if r == nil {
			r = &createRemoveResult{samples: map[string][][]float64{}, used: map[string]int{}}
			createRemoveResults[tl] = r
		}
		if r.err != nil {
			return nil, r.err
		}
		if r.used[which] == len(r.samples[which]) {
			m, err := measureCreateRemove(tl, fx, max(1, runs/2))
			if err != nil {
				r.err = err
				return nil, err
			}
			for k, v := range m {
				r.samples[k] = append(r.samples[k], v)
			}
		}
		s := r.samples[which][r.used[which]]
		r.used[which]++
		return s, nil
	}
}

// createRemoveResult is a tool's measurements for createRemove: per
// figure, the samples of each measurement and how many were handed out.
type createRemoveResult struct {
	samples map[string][][]float64
	used    map[string]int
	err     error
}

var createRemoveResults = map[*tool]*createRemoveResult{}

// measureCreateRemove creates 50 containers, then removes them with one
// rm -f, n times in one store.
func measureCreateRemove(tl *tool, fx *fixtures, n int) (map[string][]float64, error) {
	s, err := tl.busyboxStore(fx)
	if err != nil {
		return nil, err
	}
	defer tl.remove(s)
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("c%02d", i)
	}
	out := map[string][]float64{}
	for range n {
		d, err := createFifty(tl, s)
		if err != nil {
			return nil, err
		}
		out["create"] = append(out["create"], d.Seconds())
		if d, err = tl.run(s, append([]string{"rm", "-f"}, names...)...); err != nil {
			return nil, err
		}
		out["rm"] = append(out["rm"], float64(d.Microseconds())/1000)
	}
	return out, nil
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
