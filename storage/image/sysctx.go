package image

import (
	"net"
	"os"
	"path/filepath"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// SystemOptions are the user's registry settings: the files of the
// containers-common formats and the TLS choice of one command.
type SystemOptions struct {
	RegistriesConf string // --registries-conf; "" reads the usual places
	AuthFile       string // auth.json to read and write
	PolicyPath     string // policy.json; "" reads the usual places
	// TLSVerify is the --tls-verify flag: nil when not given.
	TLSVerify *bool
	CertDir   string
	// Rootless says whether per-user configuration (~/.config/containers)
	// is read before the system's.
	Rootless bool
	HomeDir  string
}

// SystemContext returns the go.podman.io/image context for a command.
// It does not yet know the registry; ForRegistry adjusts TLS for one.
func SystemContext(o SystemOptions) *types.SystemContext {
	sys := &types.SystemContext{
		AuthFilePath:             o.AuthFile,
		DockerCertPath:           o.CertDir,
		SignaturePolicyPath:      o.PolicyPath,
		DockerRegistryUserAgent:  "skiff",
		OSChoice:                 "linux",
		BigFilesTemporaryDir:     os.Getenv("TMPDIR"),
		SystemRegistriesConfPath: o.RegistriesConf,
	}
	if o.RegistriesConf == "" && o.Rootless {
		if p := filepath.Join(o.HomeDir, ".config", "containers", "registries.conf"); fileExists(p) {
			sys.SystemRegistriesConfPath = p
		}
	}
	if o.TLSVerify != nil {
		sys.DockerInsecureSkipTLSVerify = types.NewOptionalBool(!*o.TLSVerify)
		sys.DockerDaemonInsecureSkipTLSVerify = !*o.TLSVerify
	}
	return sys
}

// ForRegistry returns sys adjusted for talking to the registry of ref: as
// docker does, registries on loopback addresses are reachable over plain
// HTTP without configuration, unless --tls-verify said otherwise.
func ForRegistry(sys *types.SystemContext, ref reference.Named) *types.SystemContext {
	if sys.DockerInsecureSkipTLSVerify != types.OptionalBoolUndefined || !IsLoopbackRegistry(reference.Domain(ref)) {
		return sys
	}
	c := *sys
	c.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
	return &c
}

// IsLoopbackRegistry reports whether host (host[:port]) names this machine.
func IsLoopbackRegistry(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// PolicyContext returns the signature policy: policy.json where one exists
// (per-user first when rootless), else accept anything, as docker does.
func PolicyContext(sys *types.SystemContext) (*signature.PolicyContext, error) {
	policy, err := signature.DefaultPolicy(sys)
	if err != nil {
		if sys.SignaturePolicyPath != "" {
			return nil, err
		}
		policy = &signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}}
	}
	return signature.NewPolicyContext(policy)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
