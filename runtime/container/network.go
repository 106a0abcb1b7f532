package container

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// prepareNetwork adjusts the namespaces for --network host; none and
// the default network get a namespace of their own.
func (c *Container) prepareNetwork(s *specs.Spec) error {
	if c.HostConfig.NetworkMode != "host" {
		return nil
	}
	var nss []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != specs.NetworkNamespace {
			nss = append(nss, ns)
		}
	}
	s.Linux.Namespaces = nss
	// Host sysctls are the host's business.
	for k := range s.Linux.Sysctl {
		if strings.HasPrefix(k, "net.") {
			delete(s.Linux.Sysctl, k)
		}
	}
	return nil
}

// releaseNetwork frees what prepareNetwork took.
func (c *Container) releaseNetwork() {}
