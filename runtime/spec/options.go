// Package spec turns what a user asked for (run/create flags) and what an
// image says (its configuration) into an OCI runtime spec, the way docker
// combines them: ENTRYPOINT/CMD, environment, user, working directory,
// capabilities, the default mounts, masked and read-only paths.
//
// It is pure: no storage, no namespaces. Generate builds the spec from
// options runtime/container has checked (its flags.go is the one place
// where run's and create's flags are read and checked, with the parsers
// here: ParseUlimits, ParseSysctls, ParseSecurityOpts, ParseDevice,
// ParseSignal); Finalize fills what needs the mounted root filesystem
// (user and group names).
package spec

import (
	"encoding/json"
	"strings"

	"github.com/docker/go-units"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Options are the container-defining flags of run and create. Zero values
// mean "not given".
type Options struct {
	Image      string   // as the user typed it
	Command    []string // arguments after the image
	Entrypoint *string  // --entrypoint; non-nil "" clears the image's
	// EntrypointList is an entrypoint given as a list of words (compose's
	// `entrypoint: [sh, -c]`); non-nil, it wins over Entrypoint, and an
	// empty list clears the image's.
	EntrypointList []string
	Env            []string // -e, in order; "KEY" alone takes the host's value
	EnvFiles       []string // --env-file, in order
	WorkingDir     string   // -w
	User           string   // -u user[:group]
	Hostname       string
	Domainname     string
	Labels         map[string]string
	Init           bool // --init
	StopSignal     string
	// StopTimeout is --stop-timeout in seconds; nil keeps the default.
	StopTimeout *int
	Privileged  bool
	CapAdd      []string
	CapDrop     []string
	ReadOnly    bool
	Tty         bool
	Interactive bool
	// NoNewPrivileges is on by default, as skiff's issue #3 asks; it is off
	// for --security-opt no-new-privileges=false, and for --privileged
	// unless --security-opt no-new-privileges asks for it (the caller's
	// choice: see ParseSecurityOpts).
	NoNewPrivileges bool
	// ShmSize is --shm-size in bytes (0: docker's 64 MiB).
	ShmSize int64
	// Ulimits are --ulimit, GroupAdd --group-add (names resolved at
	// start), Sysctls --sysctl (validated by ValidateSysctls).
	Ulimits  []*units.Ulimit
	GroupAdd []string
	Sysctls  map[string]string
	// UnconfinedPaths is --security-opt systempaths=unconfined: nothing
	// of /proc and /sys is masked or read-only.
	UnconfinedPaths bool
	// Devices are --device (ParseDevice).
	Devices []DeviceMapping
	// IPCMode is --ipc: "" or "private" (an IPC namespace and /dev/shm of
	// its own), "shareable" (the same, others may join), "none" (no
	// /dev/shm), "host", or "container:NAME" (joined at start).
	IPCMode string
	// UTSHost is --uts host: the host's UTS namespace and hostname.
	UTSHost bool
	// UTSMode is --uts container:NAME (a pod's shared UTS namespace),
	// joined at start: the hostname is the other container's.
	UTSMode string
	// PIDMode is --pid: "" (a PID namespace of its own), "host" (the
	// monitor, a subreaper, ends what the container leaves behind) or
	// "container:NAME" (joined at start, JoinPID).
	PIDMode string
	// OOMScoreAdj is --oom-score-adj (nil: inherited).
	OOMScoreAdj *int
	// CgroupnsHost is --cgroupns host: no cgroup namespace of its own.
	CgroupnsHost bool
	// Annotations are --annotation, the spec's annotations.
	Annotations map[string]string

	// Podman's flags (runtime/container/podman.go reads them).

	// HostEnv is what the host's environment gives the container
	// (--http-proxy's proxy variables, --env-host's whole environment):
	// above the image's variables, below --env-file and -e.
	HostEnv []string
	// DefaultEnv is set where nothing else sets the variable (the
	// dialect's: podman's TERM and container).
	DefaultEnv []string
	// InitPath, with Init, is a host binary mounted at InitMount and run
	// as PID 1 ("INIT -- COMMAND"), instead of skiff's own reaper.
	InitPath string
	// Resources are the resource limits (--memory, --cpus, ...),
	// checked by ValidateResources before Generate.
	Resources Resources
}

// InitMount is where --init-path's binary is mounted in the container.
const InitMount = "/run/skiff-init"

// DefaultShmSize is the size of /dev/shm without --shm-size (docker's).
const DefaultShmSize = 64 << 20

// ImageConfig is the part of an image's configuration a container uses.
type ImageConfig = ociv1.ImageConfig

// DefaultPath is docker's PATH for images that set none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// DefaultStopTimeout is docker's grace period before SIGKILL, in seconds.
const DefaultStopTimeout = 10

// Command is how a container's process is determined from the image and
// the flags: docker inspect shows Entrypoint and Cmd separately and Path
// and Args combined.
type Command struct {
	Entrypoint []string
	Cmd        []string
}

// Argv is the full command line: entrypoint then cmd.
func (c Command) Argv() []string {
	return append(append([]string{}, c.Entrypoint...), c.Cmd...)
}

// ResolveCommand combines ENTRYPOINT and CMD as docker does: arguments after
// the image replace CMD; --entrypoint replaces ENTRYPOINT and clears the
// image's CMD.
func ResolveCommand(o *Options, img *ImageConfig) Command {
	var c Command
	if o.EntrypointList != nil {
		c.Entrypoint = o.EntrypointList
		if len(c.Entrypoint) == 0 {
			c.Entrypoint = nil
		}
		c.Cmd = o.Command
		return c
	}
	if o.Entrypoint != nil {
		c.Entrypoint = ParseEntrypoint(*o.Entrypoint)
		c.Cmd = o.Command
		return c
	}
	if img != nil {
		c.Entrypoint = img.Entrypoint
	}
	c.Cmd = o.Command
	if len(c.Cmd) == 0 && img != nil {
		c.Cmd = img.Cmd
	}
	return c
}

// ParseEntrypoint reads --entrypoint: a JSON array of strings is the
// argv (podman's '["/bin/echo","x"]', podman-run(1) --entrypoint), any
// other value the single program; "" clears the image's.
func ParseEntrypoint(s string) []string {
	if s == "" {
		return nil
	}
	var argv []string
	if strings.HasPrefix(s, "[") && json.Unmarshal([]byte(s), &argv) == nil && len(argv) > 0 {
		return argv
	}
	return []string{s}
}
