package container

import (
	"maps"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/mounts"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// InspectData is docker's `inspect` object of a container. Field names
// and JSON keys are docker's, so --format templates written for docker
// work ({{.State.Pid}}, {{.Config.Env}}, {{json .HostConfig}}).
type InspectData struct {
	Id              string // docker's key; {{.ID}} works too
	Created         string
	Path            string
	Args            []string
	State           InspectState
	Image           string
	ResolvConfPath  string
	HostnamePath    string
	HostsPath       string
	LogPath         string
	Name            string
	RestartCount    int
	Driver          string
	Platform        string
	MountLabel      string
	ProcessLabel    string
	AppArmorProfile string
	ExecIDs         []string
	// HostConfig is the container's HostConfig with docker's fields that
	// skiff does not set yet at their defaults; a map (of typed values), so
	// a field added to HostConfig later shows up by itself.
	HostConfig  map[string]any
	GraphDriver GraphDriver
	SizeRw      *int64 `json:",omitempty"`
	SizeRootFs  *int64 `json:",omitempty"`
	Mounts      []mounts.MountPoint
	Config      InspectConfig
	// NetworkSettings is docker's shape; issue #5 fills in addresses.
	NetworkSettings NetworkSettings
	// ImageName is podman's: the image's full name (podman dialect).
	ImageName string `json:",omitempty"`
	// Dependencies are podman's: the containers --requires starts first.
	Dependencies []string `json:",omitempty"`
}

// InspectConfig is docker's .Config with the fields podman adds, shown
// only when skiff is invoked as podman (internal/dialect InspectExtras).
type InspectConfig struct {
	Config
	// CreateCommand is the command line that created the container.
	CreateCommand []string `json:",omitempty"`
	// Timezone is --tz; Timeout is --timeout in seconds.
	Timezone string `json:",omitempty"`
	Timeout  int    `json:",omitempty"`
}

// podmanLogConfig is podman's .HostConfig.LogConfig: the driver with its
// file and size limit.
type podmanLogConfig struct {
	Type   string
	Config map[string]string
	Path   string
	Tag    string
	Size   string
}

// ID is {{.ID}}, which docker's templates accept beside {{.Id}}.
func (d *InspectData) ID() string { return d.Id }

// InspectState is docker's .State.
type InspectState struct {
	Status     string
	Running    bool
	Paused     bool
	Restarting bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	ExitCode   int
	Error      string
	StartedAt  string
	FinishedAt string
	Health     *Health `json:",omitempty"`
}

// GraphDriver names the storage driver and its directories for the
// container's root filesystem.
type GraphDriver struct {
	Data map[string]string
	Name string
}

// Inspect returns docker's inspect object for a container; with size, its
// SizeRw and SizeRootFs too.
func Inspect(e *engine.Engine, ref string, size bool) (*InspectData, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	s := c.State
	d := &InspectData{
		Id: c.ID, Created: timeString(c.Created), Path: c.Path, Args: c.Args,
		State: InspectState{
			Status: s.Status, Running: s.Running(), Paused: s.Status == StatusPaused,
			Restarting: s.Status == StatusRestarting, OOMKilled: s.OOMKilled, Dead: s.Status == StatusDead,
			ExitCode: s.ExitCode, Error: s.Error,
			StartedAt: timeString(s.StartedAt), FinishedAt: timeString(s.FinishedAt),
			Health: s.Health,
		},
		Image:          "sha256:" + c.ImageID,
		ResolvConfPath: filepath.Join(c.RunDir(), "resolv.conf"),
		HostnamePath:   filepath.Join(c.RunDir(), "hostname"),
		HostsPath:      filepath.Join(c.RunDir(), "hosts"),
		LogPath:        c.LogPath(), Name: "/" + c.Name, RestartCount: s.RestartCount,
		Driver: c.Driver, Platform: "linux",
		HostConfig:      c.inspectHostConfig(),
		GraphDriver:     c.graphDriver(),
		Mounts:          c.mountPoints(),
		Config:          InspectConfig{Config: c.Config},
		NetworkSettings: c.networkSettings(),
	}
	if dialect.Current().InspectExtras {
		c.podmanInspect(d)
	}
	if s.Running() {
		d.State.Pid = s.Pid // a dead monitor's leftover pid is rm's business
	}
	if s.Status == StatusRunning || s.Status == StatusPaused {
		d.State.ExitCode = 0 // the state keeps the last exit's (State.ExitCode)
	}
	if d.State.Status == "" {
		d.State.Status = StatusCreated
	}
	if d.Args == nil {
		d.Args = []string{}
	}
	if size {
		rw, rootfs, err := c.sizes()
		if err == nil {
			d.SizeRw, d.SizeRootFs = &rw, &rootfs
		}
	}
	return d, nil
}

// podmanInspect adds podman's fields: .ImageName, .Dependencies,
// .Config.CreateCommand, Timezone and Timeout, and the log's .Path and
// .Size in .HostConfig.LogConfig.
func (c *Container) podmanInspect(d *InspectData) {
	d.ImageName, d.Dependencies = c.ImageName(), c.Extra.Requires
	d.Config.CreateCommand, d.Config.Timezone, d.Config.Timeout = c.Extra.CreateCommand, c.Extra.Timezone, c.Extra.Timeout
	lc := c.HostConfig.LogConfig
	plc := podmanLogConfig{Type: lc.Type, Config: lc.Config, Size: "0B"}
	if lc.Type == LogDriverJSONFile || lc.Type == LogDriverK8sFile {
		plc.Path = c.LogPath()
	}
	if n, err := units.RAMInBytes(lc.Config["max-size"]); err == nil && n > 0 {
		plc.Size = units.BytesSize(float64(n))
	}
	d.HostConfig["LogConfig"] = plc
}

// timeString is docker's time format in inspect: RFC 3339 with
// nanoseconds, UTC; the zero time as "0001-01-01T00:00:00Z".
func timeString(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// hostConfigDefaults are docker's HostConfig fields skiff does not set
// (resources, devices, ...), at docker's values for a container created
// without them.
var hostConfigDefaults = lazy.Value(func() map[string]any {
	return map[string]any{
		"ConsoleSize": []uint{0, 0}, "Annotations": map[string]string(nil), "Cgroup": "", "Links": []string(nil),
		"OomScoreAdj": 0, "Runtime": "skiff", "Isolation": "", "CpuShares": int64(0), "Memory": int64(0),
		"NanoCpus": int64(0), "CgroupParent": "", "BlkioWeight": uint16(0), "BlkioWeightDevice": []any{},
		"BlkioDeviceReadBps": []any{}, "BlkioDeviceWriteBps": []any{}, "BlkioDeviceReadIOps": []any{},
		"BlkioDeviceWriteIOps": []any{}, "CpuPeriod": int64(0), "CpuQuota": int64(0), "CpuRealtimePeriod": int64(0),
		"CpuRealtimeRuntime": int64(0), "CpusetCpus": "", "CpusetMems": "", "Devices": []any{},
		"DeviceCgroupRules": []string(nil), "DeviceRequests": []any(nil), "MemoryReservation": int64(0),
		"MemorySwap": int64(0), "MemorySwappiness": (*int64)(nil), "OomKillDisable": (*bool)(nil),
		"PidsLimit": (*int64)(nil), "Ulimits": []any(nil), "CpuCount": int64(0), "CpuPercent": int64(0),
		"IOMaximumIOps": uint64(0), "IOMaximumBandwidth": uint64(0),
	}
})

func (c *Container) inspectHostConfig() map[string]any {
	out := fieldMap(c.HostConfig)
	for k, v := range hostConfigDefaults() {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	if c.HostConfig.PortBindings == nil {
		out["PortBindings"] = map[string][]PortBinding{}
	}
	if c.HostConfig.Devices == nil {
		out["Devices"] = []spec.DeviceMapping{}
	}
	for _, k := range []string{"BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"} {
		if v := reflect.ValueOf(out[k]); v.Kind() == reflect.Slice && v.IsNil() {
			out[k] = []any{}
		}
	}
	for _, k := range []string{"Dns", "DnsOptions", "DnsSearch"} {
		if v, ok := out[k].([]string); ok && v == nil {
			out[k] = []string{}
		}
	}
	if c.Spec != nil && c.Spec.Linux != nil {
		out["MaskedPaths"] = c.Spec.Linux.MaskedPaths
		out["ReadonlyPaths"] = c.Spec.Linux.ReadonlyPaths
	}
	return out
}

// fieldMap maps the exported fields of struct v to their values under
// their JSON names (omitempty fields only when set). The values keep
// their types, so templates print them as docker's structs do (a nil
// slice as [], a number as a number).
func fieldMap(v any) map[string]any {
	rv := reflect.ValueOf(v)
	rt := rv.Type()
	out := make(map[string]any, rt.NumField())
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && name == "" {
			maps.Copy(out, fieldMap(rv.Field(i).Interface())) // inline, as encoding/json does
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(opts, "omitempty") && rv.Field(i).IsZero() {
			continue
		}
		out[name] = rv.Field(i).Interface()
	}
	return out
}

// graphDriver reads the storage driver's directories of the container's
// layer; without a store (or the layer) only the name is known.
func (c *Container) graphDriver() GraphDriver {
	g := GraphDriver{Name: c.Driver}
	s, err := c.e.Store()
	if err != nil {
		return g
	}
	sc, err := s.Container(c.ID)
	if err != nil {
		return g
	}
	d, err := s.GraphDriver()
	if err != nil {
		return g
	}
	if data, err := d.Metadata(sc.LayerID); err == nil {
		g.Data = data
	}
	return g
}

// mountPoints are the container's volumes and bind mounts, recorded at
// create; docker prints an empty list, not null.
func (c *Container) mountPoints() []mounts.MountPoint {
	if c.Mounts == nil {
		return []mounts.MountPoint{}
	}
	return c.Mounts
}
