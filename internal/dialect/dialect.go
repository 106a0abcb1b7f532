// Package dialect is the one place where skiff's two faces differ. skiff
// speaks docker's command line, and podman's when it is invoked by that
// name (a link or `alias podman=skiff`): commands.Run picks the dialect
// from argv[0] once, before anything else runs, and every behaviour on
// which docker and podman disagree reads it here instead of testing the
// program's name itself:
//
//   - how a missing object is worded (internal/errdefs.NoSuch*);
//   - the exit code of a bulk verb some of whose arguments failed;
//   - what a new container's environment holds by default (podman's TERM
//     and container variables);
//   - the default log driver and its aliases, ps's default order;
//   - whether inspect adds podman's fields (.ImageName, .Config.CreateCommand,
//     .HostConfig.LogConfig.Path ...), and the shape of info and version;
//   - which flag a short letter both CLIs use differently stands for
//     (rm -l is docker's --link, podman's --latest; logs -n docker's
//     --tail, podman's --names);
//   - whether volume rm -f and network rm -f remove the containers using
//     the object (podman) or only ignore a missing one (docker), and
//     whether rm -f stops a running container first (podman) or kills it
//     at once (docker);
//   - what run -it and exec -it do when stdin is no terminal (docker
//     refuses, podman's run warns and goes on), and the exit code of
//     exec's own failures (docker's 1, podman's 125).
//
// The dialect is process-wide, as the program name is. Roles the binary
// re-executes itself as (monitor, cleanup, health) keep docker's: they
// print nothing a user reads, and what a container was created with is in
// its record. It imports nothing from skiff.
package dialect

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// Kind names the kind of object a NoSuch message is about.
type Kind string

// The kinds of objects a missing-object error names.
const (
	Container Kind = "container"
	Image     Kind = "image"
	Volume    Kind = "volume"
	Network   Kind = "network"
	Pod       Kind = "pod"
	Object    Kind = "object" // inspect without --type
)

// Dialect is a set of behaviours: docker's or podman's.
type Dialect struct {
	// Name is the CLI the dialect is: "docker" or "podman".
	Name string
	// noSuch words a missing object of each kind (a format of its name).
	noSuch map[Kind]string
	// BulkFailure is the exit code of a bulk verb (stop a b c) some of
	// whose arguments failed; 0 keeps the verb's own (docker's: 1 for the
	// container verbs, 125 for the others).
	BulkFailure int
	// RemovalExitCodes gives the removal verbs (rm, rmi, volume rm,
	// network rm) podman's documented codes: 1 when an object did not
	// exist and nothing else failed, 2 when one is in use (a running
	// container without --force, an image a container uses), else 125.
	RemovalExitCodes bool
	// DefaultEnv is added to a new container's environment when neither
	// the image nor the flags set the variable (podman: TERM=xterm and
	// container=podman, whatever -t says; docker sets TERM with -t only).
	DefaultEnv []string
	// HTTPProxy passes the host's proxy variables to new containers
	// unless --http-proxy=false (podman's default).
	HTTPProxy bool
	// LogDriver is the log driver of a container created without
	// --log-driver; LogDriverAliases maps the other CLI's names to
	// skiff's (podman takes json-file for its k8s-file).
	LogDriver        string
	LogDriverAliases map[string]string
	// PsSort is ps's order without --sort: "" is docker's, newest
	// first; podman's is "created", oldest first.
	PsSort string
	// InspectExtras adds podman's fields to inspect's objects.
	InspectExtras bool
	// PodmanInfo prints info and version in podman's shape.
	PodmanInfo bool
	// Shorthands maps a command path ("rm", "container rm") and a short
	// letter to the long flag it stands for, where docker and podman
	// disagree.
	Shorthands map[string]map[string]string
	// ForceRemovesUsers makes volume rm -f and network rm -f remove the
	// containers that use the volume or network first (podman); docker's
	// -f only ignores a missing one.
	ForceRemovesUsers bool
	// ForceStops makes rm -f (and volume rm -f, network rm -f, which
	// remove their users) stop a running container as stop does, its
	// stop signal then SIGKILL after its stop timeout, before removing
	// it (podman); docker's rm -f kills it at once. -t gives the timeout
	// either way.
	ForceStops bool
	// NoTTYInput is what run and exec do with -i and -t when stdin is not
	// a terminal: TTYRefuse (docker's "the input device is not a TTY",
	// exit 1, when attached) or TTYWarn (podman's run warns and goes on;
	// its exec says nothing).
	NoTTYInput TTYPolicy
	// ExecFailure is the exit code of exec's own failures (a missing,
	// stopped or paused container): docker's 1, since its daemon reports
	// them, podman's 125.
	ExecFailure int
}

// TTYPolicy is what -it does without a terminal on stdin.
type TTYPolicy int

// The policies of -it without a terminal.
const (
	TTYRefuse TTYPolicy = iota // refuse, as docker does
	TTYWarn                    // warn on run and go on, as podman does
)

// Docker is docker's dialect, skiff's own.
var Docker = &Dialect{
	Name: "docker",
	noSuch: map[Kind]string{
		Container: "No such container: %s",
		Image:     "No such image: %s",
		Volume:    "No such volume: %s",
		Network:   "network %s not found",
		Pod:       "No such pod: %s",
		Object:    "No such object: %s",
	},
	LogDriver:   "json-file",
	Shorthands:  shorthands("link", "tail"),
	NoTTYInput:  TTYRefuse,
	ExecFailure: 1,
}

// Podman is podman's dialect (podman 4's messages and exit codes).
var Podman = &Dialect{
	Name: "podman",
	noSuch: map[Kind]string{
		Container: `no container with name or ID %q found: no such container`,
		Image:     "%s: image not known",
		Volume:    `no volume with name %q found: no such volume`,
		Network:   "unable to find network with name or ID %s: network not found",
		Pod:       `no pod with name or ID %s found: no such pod`,
		Object:    `no such object: %q`,
	},
	BulkFailure:       125,
	RemovalExitCodes:  true,
	DefaultEnv:        []string{"TERM=xterm", "container=podman"},
	HTTPProxy:         true,
	LogDriver:         "k8s-file",
	LogDriverAliases:  map[string]string{"json-file": "k8s-file"},
	PsSort:            "created",
	InspectExtras:     true,
	PodmanInfo:        true,
	Shorthands:        shorthands("latest", "names"),
	ForceRemovesUsers: true,
	ForceStops:        true,
	NoTTYInput:        TTYWarn,
	ExecFailure:       125,
}

// shorthands is the table of contested letters: what rm's -l and logs's
// -n stand for.
func shorthands(rmL, logsN string) map[string]map[string]string {
	return map[string]map[string]string{
		"rm": {"l": rmL}, "container rm": {"l": rmL},
		"logs": {"n": logsN}, "container logs": {"n": logsN},
	}
}

var current atomic.Pointer[Dialect]

// ForProgram is the dialect of a program invoked as argv0: podman's for
// a name starting with "podman", else docker's.
func ForProgram(argv0 string) *Dialect {
	if strings.HasPrefix(filepath.Base(argv0), "podman") {
		return Podman
	}
	return Docker
}

// Set makes d the process's dialect.
func Set(d *Dialect) { current.Store(d) }

// Current is the process's dialect (docker's until Set).
func Current() *Dialect {
	if d := current.Load(); d != nil {
		return d
	}
	return Docker
}

// NoSuch words the error of a missing object of kind named name.
func (d *Dialect) NoSuch(kind Kind, name string) string {
	f, ok := d.noSuch[kind]
	if !ok {
		f = "no such " + string(kind) + ": %s"
	}
	return fmt.Sprintf(f, name)
}
