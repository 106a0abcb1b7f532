package commands

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/spec"
	"github.com/skiff-containers/skiff/storage/image"
)

// createFlags are the flags run and create share.
func createFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep STDIN open even if not attached"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
		&cli.StringFlag{Name: "name", Usage: "assign a name to the container"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment variables (VAR=value, or VAR to pass the host's)"},
		&cli.StringSliceFlag{Name: "env-file", Usage: "read in a file of environment variables"},
		&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory inside the container"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "username or UID (format: <name|uid>[:<group|gid>])"},
		&cli.StringFlag{Name: "entrypoint", Usage: "overwrite the default ENTRYPOINT of the image"},
		&cli.StringFlag{Name: "hostname", Aliases: []string{"h"}, Usage: "container host name"},
		&cli.StringFlag{Name: "domainname", Usage: "container NIS domain name"},
		&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "set meta data on a container (key=value)"},
		&cli.BoolFlag{Name: "init", Usage: "run an init inside the container that forwards signals and reaps processes"},
		&cli.StringFlag{Name: "stop-signal", Usage: "signal to stop the container"},
		&cli.IntFlag{Name: "stop-timeout", Usage: "timeout (in seconds) to stop a container", DefaultText: "10"},
		&cli.BoolFlag{Name: "privileged", Usage: "give extended privileges to this container"},
		&cli.StringSliceFlag{Name: "cap-add", Usage: "add Linux capabilities"},
		&cli.StringSliceFlag{Name: "cap-drop", Usage: "drop Linux capabilities"},
		&cli.BoolFlag{Name: "read-only", Usage: "mount the container's root filesystem as read only"},
		&cli.StringFlag{Name: "pull", Value: "missing", Usage: `pull image before running ("always", "missing", "never")`},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "suppress the pull output"},
		&cli.StringFlag{Name: "platform", Usage: "set platform if server is multi-platform capable"},
		&cli.BoolFlag{Name: "rm", Usage: "automatically remove the container when it exits"},
		&cli.StringFlag{Name: "restart", Value: "no", Usage: "restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])"},
		&cli.StringFlag{Name: "shm-size", Usage: "size of /dev/shm (e.g. 128m; default 64m)"},
		&cli.StringSliceFlag{Name: "group-add", Usage: "add additional groups to join (names from the image's /etc/group, or numbers)"},
		&cli.StringSliceFlag{Name: "ulimit", Usage: "ulimit options (name=soft[:hard], e.g. nofile=1024:2048)"},
		&cli.StringSliceFlag{Name: "sysctl", Usage: "namespaced kernel parameters (name=value: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)"},
		&cli.StringSliceFlag{Name: "security-opt", Usage: "security options: no-new-privileges[=true|false], seccomp=unconfined, apparmor=unconfined, label=disable, systempaths=unconfined"},
		&cli.StringFlag{Name: "cidfile", Usage: "write the container ID to the file (which must not exist)"},
		&cli.StringSliceFlag{Name: "device", Usage: "add a host device to the container (HOST[:CONTAINER], bind-mounted)"},
		&cli.StringSliceFlag{Name: "label-file", Usage: "read in a line delimited file of labels"},
		&cli.StringSliceFlag{Name: "attach", Aliases: []string{"a"}, Usage: "attach to STDIN, STDOUT or STDERR"},
		&cli.StringSliceFlag{Name: "link", Usage: "add a legacy link to another container (NAME[:ALIAS])"},
		&cli.StringFlag{Name: "ipc", Usage: "IPC mode: private, shareable, none, host or container:NAME"},
		&cli.StringFlag{Name: "uts", Usage: "UTS namespace to use (host)"},
		&cli.StringFlag{Name: "pid", Usage: "PID namespace to use (host or container:NAME)"},
		&cli.IntFlag{Name: "oom-score-adj", Usage: "tune the host's OOM preferences (-1000 to 1000)"},
		&cli.StringFlag{Name: "cgroupns", Usage: "cgroup namespace to use (host or private)"},
		&cli.StringFlag{Name: "health-cmd", Usage: "command to run to check health (run by the container's monitor)"},
		&cli.DurationFlag{Name: "health-interval", Usage: "time between running the check (ms|s|m|h)", DefaultText: "30s"},
		&cli.DurationFlag{Name: "health-timeout", Usage: "maximum time to allow one check to run (ms|s|m|h)", DefaultText: "30s"},
		&cli.DurationFlag{Name: "health-start-period", Usage: "start period for the container to initialize before counting failures (ms|s|m|h)", DefaultText: "0s"},
		&cli.DurationFlag{Name: "health-start-interval", Usage: "time between running the check during the start period (ms|s|m|h)", DefaultText: "0s"},
		&cli.IntFlag{Name: "health-retries", Usage: "consecutive failures needed to report unhealthy", DefaultText: "3"},
		&cli.BoolFlag{Name: "no-healthcheck", Usage: "disable any container-specified HEALTHCHECK"},
		&cli.StringSliceFlag{Name: "annotation", Usage: "add an annotation to the container (key=value), passed to the OCI spec"},
		contentTrustFlag(),
		&cli.StringFlag{Name: "log-driver", Value: "json-file", Usage: "logging driver for the container (json-file or none)"},
		&cli.StringSliceFlag{Name: "log-opt", Usage: "log driver options (json-file: max-size, max-file)"},
	}, append(append(mountFlags(), networkFlags()...), resourceFlags()...)...)
}

// createOptionsFrom reads run's and create's flags and arguments.
func createOptionsFrom(c *cli.Context) (*container.CreateOptions, error) {
	args := c.Args().Slice()
	o := &container.CreateOptions{
		Spec: spec.Options{
			Image: args[0], Command: args[1:],
			Env: c.StringSlice("env"), EnvFiles: c.StringSlice("env-file"),
			WorkingDir: c.String("workdir"), User: c.String("user"),
			Hostname: c.String("hostname"), Domainname: c.String("domainname"),
			Init: c.Bool("init"), StopSignal: c.String("stop-signal"),
			Privileged: c.Bool("privileged"), CapAdd: c.StringSlice("cap-add"), CapDrop: c.StringSlice("cap-drop"),
			ReadOnly: c.Bool("read-only"), Tty: c.Bool("tty"), Interactive: c.Bool("interactive"),
		},
		Name:           c.String("name"),
		AutoRemove:     c.Bool("rm"),
		NetworkOptions: networkOptionsFrom(c),
	}
	if c.IsSet("entrypoint") {
		ep := c.String("entrypoint")
		o.Spec.Entrypoint = &ep
	}
	if c.IsSet("stop-timeout") {
		t := c.Int("stop-timeout")
		o.Spec.StopTimeout = &t
	}
	fromFiles, err := readLabelFiles(c.StringSlice("label-file"))
	if err != nil {
		return nil, err
	}
	labels, err := parseLabels(append(fromFiles, c.StringSlice("label")...))
	if err != nil {
		return nil, err
	}
	if err := hostOptionsFrom(c, o); err != nil {
		return nil, err
	}
	o.Spec.Labels = labels
	if o.RestartPolicy, err = container.ParseRestartPolicy(c.String("restart")); err != nil {
		return nil, err
	}
	if o.EnsureImage, err = imageEnsurer(c, c.String("pull")); err != nil {
		return nil, err
	}
	if o.MountOptions, err = mountOptionsFrom(c); err != nil {
		return nil, err
	}
	if o.Spec.Resources, err = resourcesFrom(c); err != nil {
		return nil, err
	}
	return o, nil
}

// hostOptionsFrom reads --shm-size, --group-add, --ulimit, --sysctl,
// --security-opt and --cidfile.
func hostOptionsFrom(c *cli.Context, o *container.CreateOptions) error {
	if v := c.String("shm-size"); v != "" {
		n, err := units.RAMInBytes(v)
		if err != nil || n <= 0 {
			return errdefs.Invalid("invalid --shm-size %q: use a positive size such as 128m or 1g", v)
		}
		o.Spec.ShmSize = n
	}
	o.Spec.GroupAdd = c.StringSlice("group-add")
	var err error
	if o.Spec.Ulimits, err = spec.ParseUlimits(c.StringSlice("ulimit")); err != nil {
		return err
	}
	if o.Spec.Sysctls, err = spec.ParseSysctls(c.StringSlice("sysctl")); err != nil {
		return err
	}
	o.SecurityOpt = c.StringSlice("security-opt")
	sec, err := spec.ParseSecurityOpts(o.SecurityOpt)
	if err != nil {
		return err
	}
	o.Spec.NoNewPrivileges, o.Spec.UnconfinedPaths = sec.NoNewPrivileges, sec.UnconfinedPaths
	o.CIDFile = c.String("cidfile")
	if o.Streams, err = container.ParseStreams(c.StringSlice("attach"), o.Spec.Interactive); err != nil {
		return err
	}
	if o.LogConfig, err = container.ParseLogConfig(c.String("log-driver"), c.StringSlice("log-opt")); err != nil {
		return err
	}
	o.Links = c.StringSlice("link")
	o.Spec.IPCMode = c.String("ipc")
	o.Spec.PIDMode = c.String("pid")
	o.Health = container.HealthOptions{Cmd: c.String("health-cmd"), Disable: c.Bool("no-healthcheck")}
	for name, dst := range map[string]**time.Duration{
		"health-interval": &o.Health.Interval, "health-timeout": &o.Health.Timeout,
		"health-start-period": &o.Health.StartPeriod, "health-start-interval": &o.Health.StartInterval,
	} {
		if c.IsSet(name) {
			d := c.Duration(name)
			*dst = &d
		}
	}
	if c.IsSet("health-retries") {
		n := c.Int("health-retries")
		o.Health.Retries = &n
	}
	switch ns := c.String("cgroupns"); ns {
	case "", "private":
	case "host":
		o.Spec.CgroupnsHost = true
	default:
		return errdefs.Invalid("invalid --cgroupns %q: use host or private", ns)
	}
	if a := c.StringSlice("annotation"); len(a) > 0 {
		o.Spec.Annotations = map[string]string{}
		for _, kv := range a {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return errdefs.Invalid("invalid --annotation %q: use key=value", kv)
			}
			o.Spec.Annotations[k] = v
		}
	}
	if c.IsSet("oom-score-adj") {
		v := c.Int("oom-score-adj")
		if v < -1000 || v > 1000 {
			return errdefs.Invalid("invalid --oom-score-adj %d: use -1000 to 1000", v)
		}
		o.Spec.OOMScoreAdj = &v
	}
	switch uts := c.String("uts"); uts {
	case "":
	case "host":
		o.Spec.UTSHost = true
	default:
		return errdefs.Invalid("invalid UTS mode %q: use host", uts)
	}
	for _, v := range c.StringSlice("device") {
		d, err := spec.ParseDevice(v)
		if err != nil {
			return err
		}
		o.Spec.Devices = append(o.Spec.Devices, d)
	}
	return nil
}

// readLabelFiles reads --label-file files: a key=value label a line,
// blank lines and # comments skipped; --label given after them wins.
func readLabelFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, errdefs.Invalid("reading the label file: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out, nil
}

// parseLabels parses key=value labels (a bare key gets "").
func parseLabels(in []string) (map[string]string, error) {
	out := map[string]string{}
	for _, l := range in {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, errdefs.Invalid("invalid label %q: use key=value", l)
		}
		out[k] = v
	}
	return out, nil
}

// imageEnsurer implements --pull for run and create.
func imageEnsurer(c *cli.Context, policy string) (func(context.Context, string) (*image.Image, error), error) {
	switch policy {
	case "always", "missing", "never":
	default:
		return nil, errdefs.Invalid("invalid --pull value %q: use always, missing or never", policy)
	}
	return func(ctx context.Context, name string) (*image.Image, error) {
		s, err := storeFrom(c)
		if err != nil {
			return nil, err
		}
		if policy != "always" {
			img, err := image.Lookup(ctx, s, name)
			if err == nil || policy == "never" || !errdefs.IsNotFound(err) {
				return img, err
			}
			shown := name
			if ref, err := image.Normalize(name); err == nil {
				shown = reference.FamiliarString(ref)
			}
			fmt.Fprintf(c.App.ErrWriter, "Unable to find image '%s' locally\n", shown)
		}
		return pullForRun(c, name)
	}, nil
}
