package main

import (
	"fmt"
	"os"
	"path/filepath"
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

// composeFigures are issue #12's: up -d from images already there, ps,
// and down of composeProject. Only skiff has compose built in; podman
// needs podman-compose, which these machines lack (n/a).
func composeFigures(runs int) []figure {
	phase := func(which int) func(tl *tool, fx *fixtures) ([]float64, error) {
		return func(tl *tool, fx *fixtures) ([]float64, error) {
			if tl.name != "skiff" {
				return nil, fmt.Errorf("podman has no compose built in and podman-compose is not installed")
			}
			s := tl.newStore()
			defer tl.remove(s)
			if _, err := tl.run(s, "load", "-i", fx.busybox); err != nil {
				return nil, err
			}
			dir := filepath.Join(tl.dir, fmt.Sprintf("proj%d", tl.n))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			file := filepath.Join(dir, "compose.yaml")
			if err := os.WriteFile(file, []byte(composeProject), 0o644); err != nil {
				return nil, err
			}
			os.Chown(dir, tl.uid, tl.gid)
			os.Chown(file, tl.uid, tl.gid)
			c := func(args ...string) (time.Duration, error) {
				return tl.run(s, append([]string{"compose", "-f", file, "-p", "bench"}, args...)...)
			}
			var out []float64
			for range runs {
				up, err := c("up", "-d")
				if err != nil {
					return nil, err
				}
				ps, err := c("ps")
				if err != nil {
					return nil, err
				}
				down, err := c("down")
				if err != nil {
					return nil, err
				}
				out = append(out, float64([]time.Duration{up, ps, down}[which].Microseconds())/1000)
			}
			return out, nil
		}
	}
	return []figure{
		{name: "compose up -d (proxy + 2 backends, volume, network)", unit: "ms", summary: "median", measure: phase(0)},
		{name: "compose ps (3 containers)", unit: "ms", summary: "median", measure: phase(1)},
		{name: "compose down (3 containers, network)", unit: "ms", summary: "median", measure: phase(2)},
	}
}
