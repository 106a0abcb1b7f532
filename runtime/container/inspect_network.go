package container

// NetworkSettings is docker's .NetworkSettings (network_settings.go fills
// it). The top-level address fields describe the default bridge network,
// as docker's do.
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
	GwPriority          int
	DNSNames            []string
}
