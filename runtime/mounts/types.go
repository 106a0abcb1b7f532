// Package mounts parses the mount flags docker users type (-v/--volume,
// --mount, --tmpfs, --volumes-from) into docker's own shapes: Mount (what
// HostConfig.Mounts holds) and MountPoint (what inspect's .Mounts shows).
// The parsers are pure functions of their input, so run, create and
// compose give the same answers and the same error messages as docker.
//
// It imports nothing from skiff but internal/errdefs and the volume
// naming rule of storage/volume: checks that need the filesystem or the
// volume store are the caller's.
package mounts

import "os"

// Type is the kind of a mount, as docker names it.
type Type string

// The mount types skiff implements.
const (
	TypeBind   Type = "bind"
	TypeVolume Type = "volume"
	TypeTmpfs  Type = "tmpfs"
)

// Mount is docker's mount.Mount: one --mount flag, or a -v flag in the
// same form. It is stored as given in HostConfig.Mounts.
type Mount struct {
	Type          Type           `json:",omitempty"`
	Source        string         `json:",omitempty"`
	Target        string         `json:",omitempty"`
	ReadOnly      bool           `json:",omitempty"`
	Consistency   string         `json:",omitempty"`
	BindOptions   *BindOptions   `json:",omitempty"`
	VolumeOptions *VolumeOptions `json:",omitempty"`
	TmpfsOptions  *TmpfsOptions  `json:",omitempty"`
}

// BindOptions are the bind-* keys of --mount.
type BindOptions struct {
	Propagation  string `json:",omitempty"`
	NonRecursive bool   `json:",omitempty"`
}

// VolumeOptions are the volume-* keys of --mount.
type VolumeOptions struct {
	NoCopy       bool              `json:",omitempty"`
	Labels       map[string]string `json:",omitempty"`
	DriverConfig *Driver           `json:",omitempty"`
}

// Driver is a volume driver and its options (volume-driver, volume-opt).
type Driver struct {
	Name    string            `json:",omitempty"`
	Options map[string]string `json:",omitempty"`
}

// TmpfsOptions are the tmpfs-* keys of --mount.
type TmpfsOptions struct {
	SizeBytes int64       `json:",omitempty"`
	Mode      os.FileMode `json:",omitempty"`
}

// MountPoint is one entry of docker inspect's .Mounts.
type MountPoint struct {
	Type        Type   `json:",omitempty"`
	Name        string `json:",omitempty"`
	Source      string
	Destination string
	Driver      string `json:",omitempty"`
	Mode        string
	RW          bool
	Propagation string
}

// Request is one mount asked for on the command line, before volumes are
// resolved: the docker Mount, plus what -v adds.
type Request struct {
	Mount
	// Flag is the flag it came from: FlagVolume or FlagMount.
	Flag string
	// Mode is -v's third field ("ro,z"), shown as MountPoint.Mode; "" for
	// --mount.
	Mode string `json:",omitempty"`
	// Bind is the -v string as given (HostConfig.Binds); "" for --mount
	// and for anonymous -v volumes, which docker lists in Config.Volumes.
	Bind string `json:",omitempty"`
	// CopyData asks for an empty volume to be filled with the image's
	// content at the target on first use (docker's default; nocopy and
	// volume-nocopy turn it off).
	CopyData bool `json:",omitempty"`
}

// The flags a Request comes from.
const (
	FlagVolume = "volume"
	FlagMount  = "mount"
)

// DefaultPropagation is docker's propagation of bind mounts.
const DefaultPropagation = "rprivate"

// propagations are the propagation modes docker accepts.
var propagations = map[string]bool{
	"private": true, "rprivate": true, "shared": true, "rshared": true, "slave": true, "rslave": true,
}
