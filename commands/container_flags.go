package commands

import (
	"os"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/container"
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
		&cli.BoolFlag{Name: "rm", Usage: "automatically remove the container and its associated anonymous volumes when it exits"},
		&cli.StringFlag{Name: "restart", Value: "no", Usage: "restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])"},
		&cli.StringFlag{Name: "shm-size", Usage: "size of /dev/shm (e.g. 128m; default 64m)"},
		&cli.StringSliceFlag{Name: "group-add", Usage: "add additional groups to join (names from the image's /etc/group, or numbers)"},
		&cli.StringSliceFlag{Name: "ulimit", Usage: "ulimit options (name=soft[:hard], e.g. nofile=1024:2048)"},
		&cli.StringSliceFlag{Name: "sysctl", Usage: "sysctl options (namespaced kernel parameters, name=value: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)"},
		&cli.StringSliceFlag{Name: "security-opt", Usage: "security Options (no-new-privileges[=true|false], seccomp=unconfined|builtin|PROFILE.json, apparmor=unconfined, label=disable, systempaths=unconfined)"},
		&cli.StringFlag{Name: "cidfile", Usage: "write the container ID to the file (which must not exist)"},
		&cli.StringSliceFlag{Name: "device", Usage: "add a host device to the container (HOST[:CONTAINER], bind-mounted)"},
		&cli.StringSliceFlag{Name: "label-file", Usage: "read in a line delimited file of labels"},
		&cli.StringSliceFlag{Name: "attach", Aliases: []string{"a"}, Usage: "attach to STDIN, STDOUT or STDERR"},
		&cli.StringSliceFlag{Name: "link", Usage: "add link to another container (NAME[:ALIAS])"},
		&cli.StringFlag{Name: "ipc", Usage: "IPC mode to use (private, shareable, none, host or container:NAME)"},
		&cli.StringFlag{Name: "uts", Usage: "UTS namespace to use (host)"},
		&cli.StringFlag{Name: "pid", Usage: "PID namespace to use (host or container:NAME)"},
		&cli.IntFlag{Name: "oom-score-adj", Usage: "tune host's OOM preferences (-1000 to 1000)"},
		&cli.StringFlag{Name: "cgroupns", Usage: "cgroup namespace to use (host or private)"},
		&cli.StringFlag{Name: "health-cmd", Usage: "command to run to check health (run by the container's monitor)"},
		&cli.DurationFlag{Name: "health-interval", Usage: "time between running the check (ms|s|m|h)", DefaultText: "30s"},
		&cli.DurationFlag{Name: "health-timeout", Usage: "maximum time to allow one check to run (ms|s|m|h)", DefaultText: "30s"},
		&cli.DurationFlag{Name: "health-start-period", Usage: "start period for the container to initialize before starting health-retries countdown (ms|s|m|h)", DefaultText: "0s"},
		&cli.DurationFlag{Name: "health-start-interval", Usage: "time between running the check during the start period (ms|s|m|h)", DefaultText: "0s"},
		&cli.IntFlag{Name: "health-retries", Usage: "consecutive failures needed to report unhealthy", DefaultText: "3"},
		&cli.BoolFlag{Name: "no-healthcheck", Usage: "disable any container-specified HEALTHCHECK"},
		&cli.StringFlag{Name: "health-on-failure", Usage: "what to do when the container turns unhealthy: none, kill, restart or stop (podman's)", DefaultText: "none"},
		&cli.StringFlag{Name: "pod", Usage: "run the container in an existing pod, or in a new one (new:NAME) that takes its network options"},
		&cli.StringSliceFlag{Name: "annotation", Usage: "add an annotation to the container (key=value), passed to the OCI spec"},
		contentTrustFlag(),
		&cli.StringFlag{Name: "log-driver", Usage: "logging driver for the container: json-file, k8s-file, journald, passthrough or none", DefaultText: "json-file; k8s-file invoked as podman"},
		&cli.StringSliceFlag{Name: "log-opt", Usage: "log driver options (json-file, k8s-file: max-size, max-file, path)"},
	}, slices.Concat(mountFlags(), networkFlags(), resourceFlags(), podmanCreateFlags())...)
}

// podmanCreateFlags are the flags podman's run and create add to
// docker's (runtime/container's podmanFlags reads them).
func podmanCreateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "tz", Usage: "set the container's time zone: local (the host's) or a zone such as Europe/Paris"},
		&cli.IntFlag{Name: "timeout", Usage: "kill the container after this many seconds (its exit code is then -1)", DefaultText: "no limit"},
		&cli.StringSliceFlag{Name: "hostuser", Usage: "add the host's account NAME (or UID) to the container's /etc/passwd"},
		&cli.StringSliceFlag{Name: "requires", Usage: "containers (comma-separated) to start before this one"},
		&cli.StringFlag{Name: "init-path", Usage: "with --init, the host's init binary to run as PID 1 instead of skiff's"},
		&cli.BoolFlag{Name: "env-host", Usage: "pass the host's environment to the container"},
		&cli.BoolFlag{Name: "http-proxy", Usage: "pass the host's proxy variables (http_proxy, https_proxy, ftp_proxy, no_proxy)", DefaultText: "false; true invoked as podman"},
	}
}

// createOptionsFrom reads run's and create's flags and arguments
// (container.ParseCreateFlags checks them) and gives the options the
// command's streams: warnings and pull progress go to stderr.
func createOptionsFrom(c *cli.Context) (*container.CreateOptions, error) {
	o, err := container.ParseCreateFlags(optionFlags(c), c.Args().Slice())
	if err != nil {
		return nil, err
	}
	o.Warnings = c.App.ErrWriter
	o.Pull.Progress = c.App.ErrWriter // run's stdout is the container's
	o.Extra.CreateCommand = os.Args
	return o, nil
}
