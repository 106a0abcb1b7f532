package commands

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// podmanGlobalFlags are the global flags podman scripts pass (podman(1)
// GLOBAL OPTIONS): each does what podman's does where skiff can, is
// accepted with a notice where it cannot apply and nothing depends on
// it, and is refused where a script would depend on it.
func podmanGlobalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "noout", Usage: "send the command's standard output to /dev/null (containers' output still shows)"},
		&cli.StringFlag{Name: "events-backend", Usage: "where events are recorded: file (skiff's event log) or none", DefaultText: "file"},
		&cli.StringFlag{Name: "cgroup-manager", Usage: "cgroup manager for containers with limits: systemd (a transient scope from your systemd user manager; rootless on cgroup v2) or cgroupfs (skiff manages cgroups itself)", DefaultText: "systemd when rootless on cgroup v2 with a systemd user manager, else cgroupfs"},
		&cli.StringFlag{Name: "runtime", Usage: "OCI runtime: skiff starts containers itself, so runc and crun are accepted and ignored"},
		&cli.StringSliceFlag{Name: "runtime-flag", Usage: "flags for the OCI runtime (ignored: skiff has none)"},
		&cli.StringFlag{Name: "url", Usage: "a podman service to connect to (refused: skiff has no service)"},
		&cli.StringFlag{Name: "connection", Aliases: []string{"c"}, Usage: "a podman connection (refused: skiff has no service)"},
		&cli.BoolFlag{Name: "remote", Aliases: []string{"r"}, Usage: "use a podman service (refused: skiff has no service)"},
	}
}

// compatibleRuntimes are the OCI runtimes whose containers skiff's own
// match: asking for them is asking for what skiff does anyway.
var compatibleRuntimes = []string{"runc", "crun", "youki"}

// applyPodmanGlobals applies the podman global flags; notices go to
// stderr. It runs before the command, and replaces the command's stdout
// with --noout (the containers' streams keep the real one:
// containerStdout).
func applyPodmanGlobals(c *cli.Context, cfg *engine.Config) error {
	warn := func(format string, args ...any) {
		fmt.Fprintf(c.App.ErrWriter, "WARNING: "+format+"\n", args...)
	}
	for _, f := range []string{"url", "connection", "remote"} {
		if c.IsSet(f) {
			return errdefs.Invalid("--%s: skiff runs containers itself and has no service to connect to: drop the option", f)
		}
	}
	switch b := c.String("events-backend"); b {
	case "", "file":
	case "none":
		cfg.NoEvents = true
	case "journald":
		return errdefs.Invalid("--events-backend journald: skiff records events in its own log: use file or none")
	default:
		return errdefs.Invalid("invalid --events-backend %q: use file or none", b)
	}
	switch m := c.String("cgroup-manager"); m {
	case "", container.ManagerCgroupfs:
		cfg.CgroupManager = m
	case container.ManagerSystemd:
		cfg.CgroupManager = m
		if why := container.SystemdUnusable(cfg.Storage.Rootless); why != "" {
			warn("%s: --cgroup-manager systemd ignored, using cgroupfs", why)
			cfg.CgroupManager = container.ManagerCgroupfs
		}
	default:
		return errdefs.Invalid("invalid --cgroup-manager %q: use systemd or cgroupfs", m)
	}
	if r := c.String("runtime"); r != "" {
		if !slices.Contains(compatibleRuntimes, filepath.Base(r)) {
			return errdefs.Invalid("--runtime %s: skiff starts containers itself and cannot run them with another OCI runtime: drop the option", r)
		}
		warn("skiff starts containers itself: --runtime %s ignored", r)
	}
	if flags := c.StringSlice("runtime-flag"); len(flags) > 0 {
		warn("skiff has no OCI runtime to pass flags to: --runtime-flag %v ignored", flags)
	}
	if c.Bool("noout") {
		c.App.Metadata["stdout"] = c.App.Writer
		c.App.Writer = io.Discard
	}
	return nil
}

// containerStdout is where a container's output goes: the command's
// stdout, which --noout does not silence.
func containerStdout(c *cli.Context) io.Writer {
	if w, ok := c.App.Metadata["stdout"].(io.Writer); ok {
		return w
	}
	return c.App.Writer
}
