package main

import (
	"fmt"
	"sort"
	"syscall"
	"time"
)

// figure is one measured number per tool. measure returns samples in
// unit; summary turns them into the reported value.
type figure struct {
	name    string
	unit    string // "s", "ms", "MiB", "%" or "x" (a ratio)
	summary string // "median" or "p90"
	measure func(tl *tool, fx *fixtures) ([]float64, error)
}

// figures lists what `make bench` reports, in order: a command's fixed
// cost (issue #18, startupFigures), images (issue #2), the runtime (issue
// #3, runtimeFigures), the network (issue #5, networkFigures), builds
// (issue #10, buildFigures) and compose (issue #12, composeFigures).
func figures(runs int) []figure {
	return append(startupFigures(runs), append([]figure{
		{
			name: "cold pull debian:bookworm from the local registry", unit: "s", summary: "median",
			measure: func(tl *tool, fx *fixtures) ([]float64, error) {
				var out []float64
				for range max(1, runs/2) {
					settleDeletes()
					s := tl.newStore()
					d, err := tl.run(s, append(append([]string{"pull"}, tl.pullArgs...), fx.debianRef)...)
					tl.remove(s)
					if err != nil {
						return nil, err
					}
					out = append(out, d.Seconds())
				}
				return out, nil
			},
		},
		{
			name: "images with 50 images", unit: "ms", summary: "median",
			measure: func(tl *tool, fx *fixtures) ([]float64, error) {
				s := tl.newStore()
				defer tl.remove(s)
				if _, err := tl.run(s, "load", "-i", fx.fifty); err != nil {
					return nil, err
				}
				return repeat(runs*2, func() (time.Duration, error) { return tl.run(s, "images") })
			},
		},
	}, append(append(runtimeFigures(runs), networkFigures(runs)...), append(buildFigures(runs), composeFigures(runs)...)...)...)...)
}

// settleDeletes lets the files the previous sample removed stop counting
// as just deleted before a pull: ext4 without a journal (the test machine)
// walks past inodes deleted in the last 5 s (35 s while their inode table
// is not written back) for every file it creates, so a pull right after
// the removal of the previous sample's 9,000 files would measure that
// removal, not a cold pull.
func settleDeletes() {
	syscall.Sync()
	time.Sleep(6 * time.Second)
}

// repeat runs fn once to warm up, then n times, and returns milliseconds.
func repeat(n int, fn func() (time.Duration, error)) ([]float64, error) {
	return repeatAfter(n, 0, fn)
}

// repeatAfter is repeat with pause before each sample (time to let
// lingering helpers go and caches cool, as between two typed commands).
func repeatAfter(n int, pause time.Duration, fn func() (time.Duration, error)) ([]float64, error) {
	if _, err := fn(); err != nil {
		return nil, err
	}
	var out []float64
	for range n {
		time.Sleep(pause)
		d, err := fn()
		if err != nil {
			return nil, err
		}
		out = append(out, float64(d.Microseconds())/1000)
	}
	return out, nil
}

// quantile is the q-quantile (0.5 median, 0.9 p90) of samples.
func quantile(samples []float64, q float64) float64 {
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

func (f figure) value(samples []float64) float64 {
	if f.summary == "p90" {
		return quantile(samples, 0.9)
	}
	return quantile(samples, 0.5)
}

func format(v float64, unit string) string {
	switch unit {
	case "s":
		return fmt.Sprintf("%.2f s", v)
	case "ms":
		return fmt.Sprintf("%.1f ms", v)
	case "x":
		return fmt.Sprintf("%.2f x", v)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}
