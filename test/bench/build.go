package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// buildFigures are issue #10's: an offline Python-web-app-like build on
// the Debian test image (a requirements file, a RUN that "installs" by
// copying files, the code, CMD), built cold (--no-cache, the base image
// present), fully cached, and with only the last COPY's file changed.
// Both tools build the same context with their defaults (skiff's RUN
// steps on its default network, podman's --layers cache).
func buildFigures(runs int) []figure {
	return []figure{
		{name: "build cold (Python-app-like, --no-cache)", unit: "ms", summary: "median", measure: buildMeasure(runs, "cold")},
		{name: "build fully cached", unit: "ms", summary: "median", measure: buildMeasure(runs, "cached")},
		{name: "build with the last COPY's file changed", unit: "ms", summary: "median", measure: buildMeasure(runs, "last")},
	}
}

const appDockerfile = `FROM debian:bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_HOME=/app
WORKDIR $APP_HOME
COPY requirements.txt .
RUN mkdir -p /opt/venv/lib && for p in $(cat requirements.txt); do mkdir -p /opt/venv/lib/$p && cp -a /usr/share/perl5 /opt/venv/lib/$p/; done && echo installed > /opt/venv/ok
COPY config/ ./config/
RUN useradd --system --home-dir /app app
USER app
EXPOSE 8000
COPY app.py .
CMD ["python3", "app.py"]
`

// buildContextDir writes the app's context for tl's user.
func buildContextDir(tl *tool) (string, error) {
	dir := filepath.Join(tl.dir, "buildctx")
	files := map[string]string{
		"Dockerfile":       appDockerfile,
		"requirements.txt": "flask\nrequests\njinja2\n",
		"config/app.toml":  "[server]\nport = 8000\n",
		"app.py":           "print('hello from the app')\n",
		".dockerignore":    "*.pyc\n__pycache__\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	return dir, filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, tl.uid, tl.gid)
	})
}

func buildMeasure(runs int, kind string) func(*tool, *fixtures) ([]float64, error) {
	return func(tl *tool, fx *fixtures) ([]float64, error) {
		s := tl.newStore()
		defer tl.remove(s)
		if _, err := tl.run(s, "load", "-i", fx.debian); err != nil {
			return nil, err
		}
		ctx, err := buildContextDir(tl)
		if err != nil {
			return nil, err
		}
		build := func(extra ...string) (time.Duration, error) {
			return tl.run(s, append(append([]string{"build"}, extra...), "-t", "app", ctx)...)
		}
		n := 0
		switch kind {
		case "cold":
			return repeat(max(2, runs/2), func() (time.Duration, error) { return build("--no-cache") })
		case "cached":
			return repeat(runs*2, func() (time.Duration, error) { return build() })
		default:
			return repeat(runs*2, func() (time.Duration, error) {
				n++
				app := fmt.Sprintf("print('hello from the app, version %d')\n", n)
				if err := os.WriteFile(filepath.Join(ctx, "app.py"), []byte(app), 0o644); err != nil {
					return 0, err
				}
				return build()
			})
		}
	}
}
