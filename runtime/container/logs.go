package container

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/logs"
)

// LogsOptions are logs's flags.
type LogsOptions struct {
	// Follow streams new output until the container stops.
	Follow bool
	// Tail is the number of lines from the end to show; negative: all.
	Tail         int
	Since, Until time.Time
	// Timestamps prefixes each line with its time; Details with its
	// attributes (skiff's logs carry none: a space, as docker prints).
	Timestamps, Details bool
	Stdout, Stderr      io.Writer
}

// Log drivers: docker's default, and none.
const (
	LogDriverJSONFile = "json-file"
	LogDriverNone     = "none"
)

// ParseLogConfig checks --log-driver and --log-opt: json-file takes
// max-size, max-file and compress=false (rotation as docker's), none
// takes nothing.
func ParseLogConfig(driver string, opts []string) (LogConfig, error) {
	if driver == "" {
		driver = LogDriverJSONFile
	}
	lc := LogConfig{Type: driver, Config: map[string]string{}}
	if driver != LogDriverJSONFile && driver != LogDriverNone {
		return lc, errdefs.Invalid("logging driver %q is not supported: use json-file or none", driver)
	}
	for _, opt := range opts {
		k, v, ok := strings.Cut(opt, "=")
		if !ok || k == "" {
			return lc, errdefs.Invalid("invalid --log-opt %q: use key=value", opt)
		}
		lc.Config[k] = v
	}
	if driver == LogDriverNone && len(lc.Config) > 0 {
		return lc, errdefs.Invalid("the none logging driver takes no --log-opt")
	}
	for k, v := range lc.Config {
		switch k {
		case "max-size":
			if n, err := units.RAMInBytes(v); err != nil || n <= 0 {
				return lc, errdefs.Invalid("invalid --log-opt max-size=%s: use a positive size such as 10m", v)
			}
		case "max-file":
			if n, err := strconv.Atoi(v); err != nil || n < 1 {
				return lc, errdefs.Invalid("invalid --log-opt max-file=%s: use a number of files, at least 1", v)
			}
			if _, ok := lc.Config["max-size"]; !ok {
				return lc, errdefs.Invalid("--log-opt max-file needs max-size")
			}
		case "compress":
			if v != "false" {
				return lc, errdefs.Invalid("invalid --log-opt compress=%s: skiff does not compress rotated logs", v)
			}
		default:
			return lc, errdefs.Invalid("unknown --log-opt %q for the json-file driver: use max-size, max-file or compress", k)
		}
	}
	return lc, nil
}

// logLimit is the json-file rotation of a container (size 0: none).
type logLimit struct {
	size  int64
	files int
}

func (c *Container) logLimits() logLimit {
	cfg := c.HostConfig.LogConfig.Config
	size, _ := units.RAMInBytes(cfg["max-size"])
	files, err := strconv.Atoi(cfg["max-file"])
	if err != nil {
		files = 1
	}
	return logLimit{size: max(size, 0), files: files}
}

// Logs writes a container's json-file log: stdout lines to Stdout,
// stderr lines to Stderr.
func Logs(ctx context.Context, e *engine.Engine, ref string, o LogsOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if c.HostConfig.LogConfig.Type == LogDriverNone {
		return errdefs.Invalid("configured logging driver does not support reading")
	}
	done := func() bool {
		fresh, err := load(e, c.ID)
		return err != nil || !fresh.State.Running()
	}
	return logs.Read(ctx, c.LogPath(), logs.ReadOptions{
		Tail: o.Tail, Since: o.Since, Until: o.Until, Follow: o.Follow, Done: done,
	}, func(en *logs.Entry) error {
		w := o.Stdout
		if en.Stream == "stderr" {
			w = o.Stderr
		}
		line := make([]byte, 0, len(en.Log)+40)
		if o.Timestamps {
			line = append(en.Time.UTC().AppendFormat(line, logs.TimestampLayout), ' ')
		}
		if o.Details {
			line = append(line, ' ')
		}
		_, err := w.Write(append(line, en.Log...))
		return err
	})
}
