package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// startupFigures are issue #18's fixed costs: `version`, what any command
// pays before it does anything (the Go runtime, the initialisation of
// every package linked in, the page faults of a large binary), and the
// package initialisation alone: the sum of GODEBUG=inittrace=1's clock
// times (podman is a Go program too). Every Go process of a command
// (skiff's CLI, init, exec, cleanup and health roles) pays the latter.
func startupFigures(runs int) []figure {
	return []figure{
		{
			name: "version", unit: "ms", summary: "median",
			measure: func(tl *tool, _ *fixtures) ([]float64, error) {
				return repeat(runs*4, func() (time.Duration, error) { return tl.run(store{}, "version") })
			},
		},
		{
			// issue #18's yardstick: version at most twice a Go hello
			// world's time on the same machine; each sample a pair run
			// one right after the other, as the tool's user
			name: "version / a Go hello world's time", unit: "x", summary: "median",
			measure: func(tl *tool, fx *fixtures) ([]float64, error) {
				var out []float64
				for range runs * 4 {
					hello := tl.command(store{})
					hello.Path, hello.Args = fx.hello, []string{fx.hello}
					h, err := timed(hello, fx.hello)
					if err != nil {
						return nil, err
					}
					v, err := tl.run(store{}, "version")
					if err != nil {
						return nil, err
					}
					out = append(out, float64(v)/float64(h))
				}
				return out, nil
			},
		},
		{
			name: "package init of version (inittrace sum)", unit: "ms", summary: "median",
			measure: func(tl *tool, _ *fixtures) ([]float64, error) {
				var out []float64
				for range runs * 4 {
					ms, err := initTrace(tl)
					if err != nil {
						return nil, err
					}
					out = append(out, ms)
				}
				return out, nil
			},
		},
	}
}

// initTrace runs `version` with GODEBUG=inittrace=1 and sums the clock
// times of the packages' initialisation, in ms.
func initTrace(tl *tool) (float64, error) {
	cmd := tl.command(store{}, "version")
	cmd.Env = append(append([]string(nil), tl.env...), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s version: %v: %s", tl.name, err, lastLine(stderr.String()))
	}
	sum, n := 0.0, 0
	for _, l := range strings.Split(stderr.String(), "\n") {
		// init PACKAGE @0.5 ms, 0.012 ms clock, 1234 bytes, 5 allocs
		f := strings.Fields(l)
		if len(f) >= 7 && f[0] == "init" && f[6] == "clock," {
			ms, err := strconv.ParseFloat(f[4], 64)
			if err != nil {
				return 0, fmt.Errorf("inittrace line %q: %v", l, err)
			}
			sum += ms
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("%s version printed no inittrace lines", tl.name)
	}
	return sum, nil
}

// buildHello builds a Go hello world into dir, with the Go that runs the
// bench, and returns its path.
func buildHello(dir string) (string, error) {
	src := filepath.Join(dir, "hello")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module hello\n"), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bin", "hello")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building a Go hello world: %v: %s", err, out)
	}
	return bin, os.Chmod(bin, 0o755)
}
