package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Port answers `compose port SERVICE PRIVATE_PORT[/PROTO]` for one of the
// service's containers as docker compose does: the first host address
// the port is published on; ":0" for a port the running container
// exposes without publishing it (docker lists such a port with no host
// address and port 0, and docker compose prints that); an error naming
// the ports the container has (exit 1) for any other port.
func Port(e *engine.Engine, ref, private string) (string, error) {
	c, err := container.Lookup(e, ref)
	if err != nil {
		return "", err
	}
	port, proto, err := netns.ParsePortKey(private)
	if err != nil {
		return "", errdefs.Invalid("%v", err)
	}
	key := netns.PortKey(port, proto)
	var have []string
	for _, b := range c.BoundPorts() {
		if b.ContainerPort == port && b.Proto == proto {
			if strings.Contains(b.HostIP, ":") {
				return fmt.Sprintf("[%s]:%d", b.HostIP, b.HostPort), nil
			}
			return fmt.Sprintf("%s:%d", b.HostIP, b.HostPort), nil
		}
		have = append(have, netns.PortKey(b.ContainerPort, b.Proto))
	}
	if c.State.Running() {
		if _, ok := c.Config.ExposedPorts[key]; ok {
			return ":0", nil
		}
		for k := range c.Config.ExposedPorts {
			have = append(have, k)
		}
	}
	slices.Sort(have)
	return "", fail(errdefs.NotFound("no port %s for container %s: %s", key, c.Name, strings.Join(slices.Compact(have), ", ")))
}
