package system

import (
	goruntime "runtime"
	"time"

	"go.podman.io/image/v5/pkg/sysregistriesv2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/version"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// PodmanInfo is `info` in podman's shape, for skiff invoked as podman:
// podman's field names for templates ({{.Host.Arch}},
// {{.Store.GraphRoot}}, {{.Version.Version}}), its JSON keys and YAML
// keys (podman's default output is YAML), filled with skiff's facts.
type PodmanInfo struct {
	Host       PodmanHost     `json:"host" yaml:"host"`
	Store      PodmanStore    `json:"store" yaml:"store"`
	Registries map[string]any `json:"registries" yaml:"registries"`
	Version    PodmanVersion  `json:"version" yaml:"version"`
}

// PodmanHost is podman's .Host.
type PodmanHost struct {
	Arch              string         `json:"arch" yaml:"arch"`
	CgroupManager     string         `json:"cgroupManager" yaml:"cgroupManager"`
	CgroupsVersion    string         `json:"cgroupVersion" yaml:"cgroupVersion"`
	CPUs              int            `json:"cpus" yaml:"cpus"`
	Distribution      PodmanDistro   `json:"distribution" yaml:"distribution"`
	EventLogger       string         `json:"eventLogger" yaml:"eventLogger"`
	Hostname          string         `json:"hostname" yaml:"hostname"`
	IDMappings        IDMappings     `json:"idMappings" yaml:"idMappings"`
	Kernel            string         `json:"kernel" yaml:"kernel"`
	LogDriver         string         `json:"logDriver" yaml:"logDriver"`
	MemTotal          int64          `json:"memTotal" yaml:"memTotal"`
	NetworkBackend    string         `json:"networkBackend" yaml:"networkBackend"`
	OCIRuntime        PodmanRuntime  `json:"ociRuntime" yaml:"ociRuntime"`
	OS                string         `json:"os" yaml:"os"`
	Security          PodmanSecurity `json:"security" yaml:"security"`
	ServiceIsRemote   bool           `json:"serviceIsRemote" yaml:"serviceIsRemote"`
	CgroupControllers []string       `json:"cgroupControllers" yaml:"cgroupControllers"`
}

// PodmanDistro is podman's .Host.Distribution.
type PodmanDistro struct {
	Distribution string `json:"distribution" yaml:"distribution"`
	Version      string `json:"version" yaml:"version"`
}

// PodmanRuntime is podman's .Host.OCIRuntime: skiff starts containers
// itself.
type PodmanRuntime struct {
	Name    string `json:"name" yaml:"name"`
	Path    string `json:"path" yaml:"path"`
	Version string `json:"version" yaml:"version"`
}

// PodmanSecurity is podman's .Host.Security.
type PodmanSecurity struct {
	Rootless        bool `json:"rootless" yaml:"rootless"`
	SeccompEnabled  bool `json:"seccompEnabled" yaml:"seccompEnabled"`
	SELinuxEnabled  bool `json:"selinuxEnabled" yaml:"selinuxEnabled"`
	AppArmorEnabled bool `json:"apparmorEnabled" yaml:"apparmorEnabled"`
}

// PodmanStore is podman's .Store.
type PodmanStore struct {
	ContainerStore  PodmanContainerStore `json:"containerStore" yaml:"containerStore"`
	GraphDriverName string               `json:"graphDriverName" yaml:"graphDriverName"`
	GraphRoot       string               `json:"graphRoot" yaml:"graphRoot"`
	GraphStatus     map[string]string    `json:"graphStatus" yaml:"graphStatus"`
	ImageStore      PodmanImageStore     `json:"imageStore" yaml:"imageStore"`
	RunRoot         string               `json:"runRoot" yaml:"runRoot"`
	VolumePath      string               `json:"volumePath" yaml:"volumePath"`
}

// PodmanContainerStore counts containers by state.
type PodmanContainerStore struct {
	Number  int `json:"number" yaml:"number"`
	Paused  int `json:"paused" yaml:"paused"`
	Running int `json:"running" yaml:"running"`
	Stopped int `json:"stopped" yaml:"stopped"`
}

// PodmanImageStore counts images.
type PodmanImageStore struct {
	Number int `json:"number" yaml:"number"`
}

// PodmanVersion is podman's .Version (and `version`'s .Client): skiff's
// version.
type PodmanVersion struct {
	APIVersion string `yaml:"APIVersion"`
	Version    string `yaml:"Version"`
	GoVersion  string `yaml:"GoVersion"`
	GitCommit  string `yaml:"GitCommit"`
	BuiltTime  string `yaml:"BuiltTime"`
	Built      int64  `yaml:"Built"`
	OsArch     string `yaml:"OsArch"`
	Os         string `yaml:"Os"`
}

// GetPodmanVersion is skiff's version in podman's shape.
func GetPodmanVersion() PodmanVersion {
	v := PodmanVersion{
		APIVersion: version.Version, Version: version.Version, GoVersion: goruntime.Version(),
		GitCommit: version.GitCommit(), OsArch: goruntime.GOOS + "/" + goruntime.GOARCH, Os: goruntime.GOOS,
	}
	if t, err := time.Parse(time.RFC3339, version.BuildTime); err == nil {
		v.Built, v.BuiltTime = t.Unix(), t.Format(time.ANSIC)
	}
	return v
}

// GetPodmanInfo gathers Info and puts it in podman's shape.
func GetPodmanInfo(e *engine.Engine, count Counter) (*PodmanInfo, error) {
	i, err := GetInfo(e, count)
	if err != nil {
		return nil, err
	}
	events := "file"
	if e.Config.NoEvents {
		events = "none"
	}
	status := map[string]string{}
	for _, kv := range i.DriverStatus {
		status[kv[0]] = kv[1]
	}
	p := &PodmanInfo{
		Host: PodmanHost{
			Arch: goruntime.GOARCH, CgroupManager: podmanCgroupManager(i.CgroupDriver), CgroupsVersion: "v" + i.CgroupVersion, CPUs: i.NCPU,
			Distribution: PodmanDistro{Distribution: osRelease("ID"), Version: i.OSVersion},
			EventLogger:  events, Hostname: i.Name, IDMappings: i.IDMappings, Kernel: i.KernelVersion,
			LogDriver: dialect.Current().LogDriver, MemTotal: i.MemTotal, NetworkBackend: "skiff",
			OCIRuntime:        PodmanRuntime{Name: "skiff", Version: version.Version},
			OS:                goruntime.GOOS,
			Security:          PodmanSecurity{Rootless: i.Rootless, SeccompEnabled: true},
			CgroupControllers: []string{},
		},
		Store: PodmanStore{
			ContainerStore: PodmanContainerStore{Number: i.Containers, Paused: i.ContainersPaused,
				Running: i.ContainersRunning, Stopped: i.ContainersStopped},
			GraphDriverName: i.Driver, GraphRoot: e.Root(), GraphStatus: status,
			ImageStore: PodmanImageStore{Number: i.Images}, RunRoot: e.RunRoot(), VolumePath: e.StateDir("volumes"),
		},
		Registries: map[string]any{},
		Version:    GetPodmanVersion(),
	}
	if search, err := sysregistriesv2.UnqualifiedSearchRegistries(e.SystemContext()); err == nil && len(search) > 0 {
		p.Registries["search"] = search
	}
	return p, nil
}

// podmanCgroupManager is podman's name for the driver: systemd, or
// cgroupfs (podman has no "none").
func podmanCgroupManager(driver string) string {
	if driver == "systemd" {
		return driver
	}
	return "cgroupfs"
}
