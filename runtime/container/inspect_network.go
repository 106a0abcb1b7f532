package container

// NetworkSettings is docker's .NetworkSettings. Until networking lands
// (issue #5) a container has loopback only: every address is empty, and
// Networks names the container's network mode.
type NetworkSettings struct {
	Bridge                 string
	SandboxID              string
	SandboxKey             string
	Ports                  map[string][]PortBinding
	HairpinMode            bool
	LinkLocalIPv6Address   string
	LinkLocalIPv6PrefixLen int
	SecondaryIPAddresses   []string
	SecondaryIPv6Addresses []string
	EndpointID             string
	Gateway                string
	GlobalIPv6Address      string
	GlobalIPv6PrefixLen    int
	IPAddress              string
	IPPrefixLen            int
	IPv6Gateway            string
	MacAddress             string
	Networks               map[string]*EndpointSettings
}

// EndpointSettings is one network a container is attached to.
type EndpointSettings struct {
	IPAMConfig          map[string]string
	Links               []string
	Aliases             []string
	MacAddress          string
	NetworkID           string
	EndpointID          string
	Gateway             string
	IPAddress           string
	IPPrefixLen         int
	IPv6Gateway         string
	GlobalIPv6Address   string
	GlobalIPv6PrefixLen int
	DriverOpts          map[string]string
	DNSNames            []string
}

// networkSettings describes the container's network as docker does.
func (c *Container) networkSettings() NetworkSettings {
	mode := c.HostConfig.NetworkMode
	if mode == "" {
		mode = "bridge"
	}
	return NetworkSettings{
		Ports:    map[string][]PortBinding{},
		Networks: map[string]*EndpointSettings{mode: {}},
	}
}
