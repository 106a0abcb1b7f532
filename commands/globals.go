package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/flock"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/engine"
)

func globalFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "root", Usage: "storage root directory (default: $XDG_DATA_HOME/skiff/storage, or /var/lib/skiff/storage for root)", EnvVars: []string{"SKIFF_ROOT"}},
		&cli.StringFlag{Name: "runroot", Usage: "runtime state directory (default: $XDG_RUNTIME_DIR/skiff, or /run/skiff for root)", EnvVars: []string{"SKIFF_RUNROOT"}},
		&cli.StringFlag{Name: "storage-driver", Aliases: []string{"s"}, Usage: "storage driver: overlay or vfs (default: chosen for the kernel)", EnvVars: []string{"STORAGE_DRIVER"}},
		&cli.StringFlag{Name: "registries-conf", Usage: "path of the registries.conf file (default: ~/.config/containers/registries.conf, /etc/containers/registries.conf)", EnvVars: []string{"REGISTRIES_CONFIG_PATH"}},
		&cli.StringFlag{Name: "log-level", Aliases: []string{"l"}, Value: "warn", Usage: "set the logging level (debug, info, warn, error, fatal)"},
		&cli.BoolFlag{Name: "debug", Aliases: []string{"D"}, Usage: "enable debug mode"},
	}, podmanGlobalFlags()...)
}

// noUserns names the commands that run without entering the user
// namespace: they touch no storage, or only skiff's own container records,
// which belong to the invoking user (ps, logs; ps enters it itself for
// what needs the image store). "system restore --install" and
// "--uninstall" write the user's own files and talk to the user's
// systemd manager, which must see the user, not root of the namespace.
// `system check` examines the host from outside: it must report even when
// the namespace cannot be made.
// Shell completion reads container, volume and network records as ps
// does, and enters the namespace itself for image names.
var noUserns = map[string]bool{"version": true, "help": true, "h": true, "": true, "ps": true, "logs": true,
	"completion": true, "__complete": true,
	"container ps": true, "container ls": true, "container list": true, "container logs": true,
	"system check": true, "system restore --install": true, "system restore --uninstall": true}

// composeNoUserns are the compose verbs that read only files and
// container records ("": compose's help, --version).
var composeNoUserns = map[string]bool{"": true, "ps": true, "ls": true, "logs": true, "config": true, "convert": true, "version": true}

// composeVerb is the first word after compose's global flags.
func composeVerb(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-f" || a == "--file" || a == "-p" || a == "--project-name" || a == "--project-directory" ||
			a == "--env-file" || a == "--profile" || a == "--ansi" || a == "--progress" || a == "--parallel":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// skipsUserns reports whether the command line names a noUserns command
// (or one with a noUserns flag).
func skipsUserns(args []string) bool {
	if len(args) > 1 && args[0] == "system" {
		for _, a := range args[2:] {
			if noUserns["system "+args[1]+" "+a] {
				return true
			}
		}
	}
	if len(args) > 1 && (args[0] == "container" || args[0] == "system") {
		return noUserns[args[0]+" "+args[1]]
	}
	if len(args) > 1 && args[0] == "compose" {
		return composeNoUserns[composeVerb(args[1:])]
	}
	return noUserns[strings.Join(args[:min(len(args), 1)], "")]
}

// setupGlobals configures logging, enters the user namespace when the
// command needs it, and builds the engine the commands use.
func setupGlobals(c *cli.Context) error {
	level := c.String("log-level")
	if c.Bool("debug") {
		level = "debug"
	}
	lvl, err := logrus.ParseLevel(level)
	if err != nil {
		return fmt.Errorf("invalid --log-level %q: use debug, info, warn, error or fatal", level)
	}
	logrus.SetLevel(lvl)
	logrus.SetOutput(os.Stderr)
	logrus.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true})

	if !skipsUserns(c.Args().Slice()) && !wantsHelp(c.App.Commands, c.Args().Slice()) {
		if err := rootless.Ensure(); err != nil {
			return err
		}
	}
	// the storage library's lock waits, reported as skiff's own are
	flock.WatchWaits()
	cfg, err := engineConfig(c)
	if err != nil {
		return err
	}
	c.App.Metadata = map[string]any{}
	if err := applyPodmanGlobals(c, &cfg); err != nil {
		return err
	}
	c.App.Metadata["engine"] = engine.New(cfg)
	return nil
}

// wantsHelp reports whether the command line asks for help: --help among
// the command words and flags, before any argument (after an image name it
// belongs to the container's command). cmds is the app's command tree,
// not a new one: building it again cost a create 0.28 MB of its 2.4 MB of
// allocations (issue #18).
func wantsHelp(cmds []*cli.Command, args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--help":
			return true
		case i > 0 && !strings.HasPrefix(a, "-") && !isCommandWord(cmds, args[:i+1]):
			return false
		}
	}
	return false
}

// isCommandWord reports whether the last of words is a subcommand name of
// the command path before it (e.g. "ls" in "image ls") in cmds.
func isCommandWord(cmds []*cli.Command, words []string) bool {
	var cur *cli.Command
	for _, w := range words {
		if strings.HasPrefix(w, "-") {
			continue
		}
		cur = findCommand(cmds, w)
		if cur == nil {
			return false
		}
		cmds = cur.Subcommands
	}
	return cur != nil
}

func teardownGlobals(c *cli.Context) error {
	if e, ok := c.App.Metadata["engine"].(*engine.Engine); ok {
		e.Close()
	}
	return nil
}

// engineConfig resolves the global flags and their defaults.
func engineConfig(c *cli.Context) (engine.Config, error) {
	isRootless := rootless.IsRootless()
	root, runroot := c.String("root"), c.String("runroot")
	if root == "" {
		root = "/var/lib/skiff/storage"
		if isRootless {
			root = filepath.Join(rootless.DataHome(), "skiff", "storage")
		}
	}
	if runroot == "" {
		runroot = rootless.RuntimeDir()
	}
	var err error
	if root, err = filepath.Abs(root); err != nil {
		return engine.Config{}, err
	}
	if runroot, err = filepath.Abs(runroot); err != nil {
		return engine.Config{}, err
	}
	uids, _, _ := rootless.CurrentIDMaps()
	singleID := isRootless && len(uids) == 1 && uids[0].Size == 1
	return engine.Config{
		Storage: engine.StorageOptions{
			Root: root, RunRoot: runroot, Driver: c.String("storage-driver"),
			Rootless: isRootless, SingleID: singleID,
		},
		System: engine.RegistryOptions{
			RegistriesConf: c.String("registries-conf"),
			AuthFile:       authFile(isRootless),
			Rootless:       isRootless,
			HomeDir:        rootless.HomeDir(),
		},
	}, nil
}

// authFile is where login writes and pulls read credentials, as podman
// does: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json,
// else ~/.config/containers/auth.json (no XDG_RUNTIME_DIR: CI, su -), and
// /run/containers/0/auth.json for root.
func authFile(isRootless bool) string {
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		return f
	}
	if !isRootless {
		return "/run/containers/0/auth.json"
	}
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(xdg) && strings.HasPrefix(rootless.RuntimeDir(), xdg) {
		return filepath.Join(xdg, "containers", "auth.json")
	}
	return filepath.Join(rootless.ConfigHome(), "containers", "auth.json")
}

// engineFrom returns the engine setupGlobals built.
func engineFrom(c *cli.Context) *engine.Engine {
	return c.App.Metadata["engine"].(*engine.Engine)
}
