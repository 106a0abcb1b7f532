package container

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/lazy"
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

// Log drivers: docker's default, none, and podman's k8s-file, journald
// and passthrough.
const (
	LogDriverJSONFile    = "json-file"
	LogDriverNone        = "none"
	LogDriverK8sFile     = "k8s-file"
	LogDriverJournald    = "journald"
	LogDriverPassthrough = "passthrough"
	// LogDriverPassthroughTTY is passthrough allowed on a terminal.
	LogDriverPassthroughTTY = "passthrough-tty"
)

// logOptions are the --log-opt keys each driver takes.
var logOptions = lazy.Value(func() map[string][]string {
	return map[string][]string{
		LogDriverJSONFile: {"max-size", "max-file", "compress", "path"},
		LogDriverK8sFile:  {"max-size", "max-file", "path"},
	}
})

// ParseLogConfig checks --log-driver and --log-opt. "" is the dialect's
// default driver (docker's json-file, podman's k8s-file), and podman's
// json-file means its k8s-file. The file drivers take max-size, max-file
// (rotation as docker's), path (podman's: the log's file) and, for
// json-file, compress=false; journald needs a reachable journal; none
// and passthrough take nothing.
func ParseLogConfig(driver string, opts []string) (LogConfig, error) {
	d := dialect.Current()
	if driver == "" {
		driver = d.LogDriver
	}
	if alias, ok := d.LogDriverAliases[driver]; ok {
		driver = alias
	}
	lc := LogConfig{Type: driver, Config: map[string]string{}}
	switch driver {
	case LogDriverJSONFile, LogDriverK8sFile, LogDriverNone, LogDriverPassthrough, LogDriverPassthroughTTY:
	case LogDriverJournald:
		if err := logs.JournalReachable(); err != nil {
			return lc, errdefs.Invalid("--log-driver journald: %v", err)
		}
	default:
		return lc, errdefs.Invalid("logging driver %q is not supported: use json-file, k8s-file, journald, passthrough or none", driver)
	}
	for _, opt := range opts {
		k, v, ok := strings.Cut(opt, "=")
		if !ok || k == "" {
			return lc, errdefs.Invalid("invalid --log-opt %q: use key=value", opt)
		}
		lc.Config[k] = v
	}
	for k, v := range lc.Config {
		if !slices.Contains(logOptions()[driver], k) {
			if len(logOptions()[driver]) == 0 {
				return lc, errdefs.Invalid("the %s logging driver takes no --log-opt", driver)
			}
			return lc, errdefs.Invalid("unknown --log-opt %q for the %s driver: use %s", k, driver, strings.Join(logOptions()[driver], ", "))
		}
		if err := checkLogOpt(lc.Config, k, v); err != nil {
			return lc, err
		}
	}
	return lc, nil
}

// checkLogOpt checks one --log-opt value of a file driver.
func checkLogOpt(cfg map[string]string, k, v string) error {
	switch k {
	case "max-size":
		if n, err := units.RAMInBytes(v); err != nil || n <= 0 {
			return errdefs.Invalid("invalid --log-opt max-size=%s: use a positive size such as 10m", v)
		}
	case "max-file":
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return errdefs.Invalid("invalid --log-opt max-file=%s: use a number of files, at least 1", v)
		}
		if _, ok := cfg["max-size"]; !ok {
			return errdefs.Invalid("--log-opt max-file needs max-size")
		}
	case "compress":
		if v != "false" {
			return errdefs.Invalid("invalid --log-opt compress=%s: skiff does not compress rotated logs", v)
		}
	case "path":
		if !filepath.IsAbs(v) {
			return errdefs.Invalid("invalid --log-opt path=%s: give an absolute path", v)
		}
		if st, err := os.Stat(filepath.Dir(v)); err != nil || !st.IsDir() {
			return errdefs.Invalid("invalid --log-opt path=%s: its directory does not exist", v)
		}
	}
	return nil
}

// validateLogDriver checks the driver against the other flags:
// passthrough hands the container the caller's streams, which a
// terminal of the container's own cannot take (podman refuses it on a
// terminal: TIOCSTI).
func validateLogDriver(lc LogConfig, tty bool) error {
	if isPassthrough(lc.Type) {
		if tty {
			return errdefs.Invalid("--log-driver %s gives the container the caller's streams: it cannot be used with -t", lc.Type)
		}
	}
	return nil
}

// passthrough reports whether the container's streams are its caller's
// (--log-driver passthrough).
func (c *Container) passthrough() bool { return isPassthrough(c.HostConfig.LogConfig.Type) }

func isPassthrough(driver string) bool {
	return driver == LogDriverPassthrough || driver == LogDriverPassthroughTTY
}

// checkPassthrough refuses passthrough's streams when they are a terminal
// (podman's rule: a container could type into it, TIOCSTI), unless the
// driver is passthrough-tty.
func (c *Container) checkPassthrough() error {
	if c.HostConfig.LogConfig.Type != LogDriverPassthrough {
		return nil
	}
	for _, fd := range []int{0, 1, 2} {
		if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
			return errdefs.Invalid("--log-driver passthrough: the standard streams are a terminal, which the container could type into: redirect them, or use passthrough-tty")
		}
	}
	return nil
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

// LogsReadable says whether Logs can read the container's output: not
// with the none and passthrough drivers, which keep nothing.
func (c *Container) LogsReadable() bool {
	switch c.HostConfig.LogConfig.Type {
	case LogDriverNone, LogDriverPassthrough, LogDriverPassthroughTTY:
		return false
	}
	return true
}

// Logs writes a container's json-file log: stdout lines to Stdout,
// stderr lines to Stderr.
func Logs(ctx context.Context, e *engine.Engine, ref string, o LogsOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	done := func() bool {
		fresh, err := load(e, c.ID)
		return err != nil || !fresh.State.Running()
	}
	ro := logs.ReadOptions{Tail: o.Tail, Since: o.Since, Until: o.Until, Follow: o.Follow, Done: done}
	read := func(fn func(*logs.Entry) error) error { return logs.Read(ctx, c.LogPath(), ro, fn) }
	if !c.LogsReadable() {
		return errdefs.Invalid("configured logging driver does not support reading")
	}
	switch c.HostConfig.LogConfig.Type {
	case LogDriverJournald:
		read = func(fn func(*logs.Entry) error) error { return logs.ReadJournal(ctx, c.ID, ro, fn) }
	}
	return read(func(en *logs.Entry) error {
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
