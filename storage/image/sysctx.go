package image

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
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

// ForHost is ForRegistry for a bare registry host[:port] (login).
func ForHost(sys *types.SystemContext, host string) *types.SystemContext {
	if sys.DockerInsecureSkipTLSVerify != types.OptionalBoolUndefined || !IsLoopbackRegistry(host) {
		return sys
	}
	c := *sys
	c.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
	return &c
}

// allowLoopbackMirrors makes registries.conf entries (mirrors, or a
// prefix remapped to another location) that point at a loopback address
// reachable over plain HTTP, as docker treats 127.0.0.0/8 as insecure.
// Without it, `[[registry.mirror]] location = "127.0.0.1:5000"` would be
// tried over HTTPS only. An explicit --tls-verify decides for every
// endpoint instead (image/v5 applies it last).
//
// image/v5 keeps the parsed configuration in a process-wide cache and
// GetRegistries returns that cache's slice, so marking the entries here is
// seen by the docker transport. TestLoopbackMirrorsInsecure checks that this
// still holds when image/v5 is upgraded.
func allowLoopbackMirrors(sys *types.SystemContext) error {
	if sys.DockerInsecureSkipTLSVerify != types.OptionalBoolUndefined {
		return nil
	}
	regs, err := sysregistriesv2.GetRegistries(sys)
	if err != nil {
		return fmt.Errorf("reading registries configuration: %s", oneLine(err.Error()))
	}
	for i := range regs {
		if IsLoopbackRegistry(hostOf(regs[i].Location)) {
			regs[i].Insecure = true
		}
		for j := range regs[i].Mirrors {
			if IsLoopbackRegistry(hostOf(regs[i].Mirrors[j].Location)) {
				regs[i].Mirrors[j].Insecure = true
			}
		}
	}
	return nil
}

// hostOf is the host[:port] of a registries.conf location ("host/path").
func hostOf(location string) string {
	host, _, _ := strings.Cut(location, "/")
	return host
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
