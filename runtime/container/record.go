// Package container owns containers: their records on disk, the
// per-container lock, and the lifecycle (create, start, stop, kill, remove,
// prune, wait, cleanup after exit); a container's life on its networks
// (connect, disconnect, endpoints, ports); and the answers to "which
// containers use this volume, this network" (VolumeUsers, NetworkUsers).
// It starts the per-container monitor and talks to it; it never runs
// inside a container's namespaces itself. flags.go is the one place where
// the flags of run, create and update are read and checked.
//
// It must not import commands, nor runtime/volume or runtime/system, which
// call it. Images come through runtime/image's verbs (Create's pull
// records its event), network records through runtime/network.
package container

import (
	"time"

	"github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// Config is docker's container .Config: what the container was created
// with, image defaults merged in.
type Config struct {
	Hostname     string
	Domainname   string
	User         string
	AttachStdin  bool
	AttachStdout bool
	AttachStderr bool
	ExposedPorts map[string]struct{} `json:",omitempty"`
	Tty          bool
	OpenStdin    bool
	StdinOnce    bool
	Env          []string
	Cmd          []string
	Healthcheck  *HealthConfig `json:",omitempty"`
	Image        string
	Volumes      map[string]struct{}
	WorkingDir   string
	Entrypoint   []string
	OnBuild      []string
	Labels       map[string]string
	StopSignal   string `json:",omitempty"`
	StopTimeout  *int   `json:",omitempty"`
	// HealthcheckOnFailureAction is --health-on-failure (podman's name).
	HealthcheckOnFailureAction string `json:",omitempty"`
}

// HealthConfig is docker's health check definition.
type HealthConfig struct {
	Test          []string      `json:",omitempty"`
	Interval      time.Duration `json:",omitempty"`
	Timeout       time.Duration `json:",omitempty"`
	StartPeriod   time.Duration `json:",omitempty"`
	StartInterval time.Duration `json:",omitempty"`
	Retries       int           `json:",omitempty"`
}

// RestartPolicy is docker's --restart.
type RestartPolicy struct {
	Name              string
	MaximumRetryCount int
}

// LogConfig is docker's --log-driver/--log-opt.
type LogConfig struct {
	Type   string
	Config map[string]string
}

// PortBinding is one host side of a published port.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string
}

// HostConfig is docker's container .HostConfig: how the host runs it.
type HostConfig struct {
	Binds           []string
	ContainerIDFile string
	LogConfig       LogConfig
	NetworkMode     string
	PortBindings    map[string][]PortBinding
	RestartPolicy   RestartPolicy
	AutoRemove      bool
	VolumeDriver    string
	VolumesFrom     []string
	CapAdd          []string
	CapDrop         []string
	CgroupnsMode    string
	DNS             []string `json:"Dns"`
	DNSOptions      []string `json:"DnsOptions"`
	DNSSearch       []string `json:"DnsSearch"`
	ExtraHosts      []string
	Links           []string // docker's "/NAME:/CONTAINER/ALIAS" (links.go)
	GroupAdd        []string
	IpcMode         string
	Privileged      bool
	PublishAllPorts bool
	ReadonlyRootfs  bool
	SecurityOpt     []string
	Tmpfs           map[string]string `json:",omitempty"`
	Mounts          []mounts.Mount    `json:",omitempty"`
	UTSMode         string
	UsernsMode      string
	ShmSize         int64
	Sysctls         map[string]string `json:",omitempty"`
	Devices         []spec.DeviceMapping
	Annotations     map[string]string `json:",omitempty"`
	Ulimits         []*units.Ulimit
	Init            *bool `json:",omitempty"`
	PidMode         string
	// Resources are the limits (docker's HostConfig fields, inline).
	spec.Resources
}

// Record is a container's definition, written once at create (and at
// rename): <root>/skiff/containers/ID/config.json.
type Record struct {
	ID      string
	Name    string // without docker's leading "/"
	Created time.Time
	// ImageID is the image's full ID; Config.Image what the user typed.
	ImageID    string
	Path       string
	Args       []string
	Config     Config
	HostConfig HostConfig
	// Spec is generated at create; Root.Path and the user's ids are
	// filled in at every start. It is kept in spec.json, beside the
	// record's config.json: listing reads records without it.
	Spec   *specs.Spec `json:"-"`
	Driver string
	// Mounts is docker inspect's .Mounts; UserMounts what start mounts
	// (mounts.go), both fixed at create.
	Mounts     []mounts.MountPoint `json:",omitempty"`
	UserMounts []UserMount         `json:",omitempty"`
	// Network is how the container connects (network_opts.go).
	Network *NetworkConfig `json:",omitempty"`
	// BuildStep marks a RUN step of a build (buildstep.go): hidden from
	// every listing, removed by its build or, after the build was
	// killed, by the next one (SweepSteps).
	BuildStep *BuildOwner `json:",omitempty"`
	// Pod is the ID of the pod the container belongs to (runtime/pod);
	// Infra marks that pod's infra container, which has no image and
	// runs skiff's own infra process (runtime/infra).
	Pod   string `json:",omitempty"`
	Infra bool   `json:",omitempty"`
	// Extra are the options podman's command line adds, which docker's
	// shapes have no place for (inspect shows them where podman does
	// when skiff is invoked as podman).
	Extra ExtraConfig `json:",omitzero"`
}

// ExtraConfig holds what podman's run and create flags ask beyond
// docker's (podman.go).
type ExtraConfig struct {
	// CreateCommand is the command line that created the container
	// (podman's .Config.CreateCommand).
	CreateCommand []string `json:",omitempty"`
	// Timezone is --tz: "local" or a zone of /usr/share/zoneinfo; start
	// mounts the zone's file on /etc/localtime.
	Timezone string `json:",omitempty"`
	// Timeout is --timeout in seconds: the monitor kills the container
	// after that long and records -1 as its exit code.
	Timeout int `json:",omitempty"`
	// HostUsers are --hostuser: the host's accounts added to the
	// container's /etc/passwd at start.
	HostUsers []string `json:",omitempty"`
	// Requires are --requires: containers started before this one.
	Requires []string `json:",omitempty"`
	// InitPath is --init-path: the host's init binary run as the
	// container's PID 1 (with --init) instead of skiff's own reaper.
	InitPath string `json:",omitempty"`
}

// Status values, as docker names them.
const (
	StatusCreated    = "created"
	StatusRunning    = "running"
	StatusPaused     = "paused"
	StatusRestarting = "restarting"
	StatusRemoving   = "removing"
	StatusExited     = "exited"
	StatusDead       = "dead"
	// StatusStorage is podman's state of a container of the store that
	// skiff's records do not show (ps --external: external.go).
	StatusStorage = "storage"
)

// State is a container's run state, <root>/skiff/containers/ID/state.json,
// written by the CLI (create, start) and the monitor (running, exit) under
// the container's lock.
type State struct {
	Status       string
	Pid          int
	PidStart     uint64 `json:",omitempty"`
	MonitorPid   int    `json:",omitempty"`
	MonitorStart uint64 `json:",omitempty"`
	// ExitCode and FinishedAt describe the last exit; both stay while the
	// container runs again (inspect shows ExitCode 0 then, as docker
	// does), so `wait` finds the code of an exit its restart policy
	// followed with a new start before wait looked.
	ExitCode     int
	Error        string
	OOMKilled    bool
	StartedAt    time.Time
	FinishedAt   time.Time
	RestartCount int
	// Backoff is the restart policy's last delay before a restart
	// (nextBackoff); a start by hand clears it, with RestartCount.
	Backoff time.Duration `json:",omitempty"`
	// Rootfs is the mount point while the root filesystem is mounted.
	Rootfs string `json:",omitempty"`
	// StartCount counts successful starts: a container whose first start
	// failed is still "created", as in docker.
	StartCount int `json:",omitempty"`
	// ManuallyStopped says the user stopped the container (stop, kill,
	// rm -f: userStop): no restart policy starts it again until a start
	// by hand, which clears it. The first restore of a boot heeds it
	// only for unless-stopped, later ones for every policy
	// (StartsAtRestore).
	ManuallyStopped bool `json:",omitempty"`
	// ManualRestart is set by restart for the exit its stop causes: that
	// exit does not remove a --rm container (docker's
	// HasBeenManuallyRestarted).
	ManualRestart bool `json:",omitempty"`
	// Health is the state of the health check, when there is one
	// (health.go).
	Health *Health `json:",omitempty"`
	// HealthRestart makes the next exit restart the container whatever
	// its policy: --health-on-failure=restart killed it.
	HealthRestart bool `json:",omitempty"`
	// Cgroup is the container's cgroup while it has one (limits.go):
	// v1 controller (or "" on v2) to directory.
	Cgroup map[string]string `json:",omitempty"`
	// CgroupUnit is the systemd scope holding that cgroup, when the
	// user's systemd manager made it (runtime/cgroups/scope).
	CgroupUnit string `json:",omitempty"`
}

// Running reports whether the container's process is believed alive.
func (s *State) Running() bool {
	return s.Status == StatusRunning || s.Status == StatusPaused || s.Status == StatusRestarting
}
