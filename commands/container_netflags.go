package commands

import "github.com/urfave/cli/v2"

// networkFlags are run's and create's network flags (issue #5).
func networkFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "network", Aliases: []string{"net"}, Usage: "connect a container to a network (bridge, none, host, container:NAME, pasta, slirp4netns, or a network's name)"},
		&cli.StringSliceFlag{Name: "network-alias", Aliases: []string{"net-alias"}, Usage: "add network-scoped alias for the container"},
		&cli.StringFlag{Name: "ip", Usage: "IPv4 address (e.g., 172.30.100.104)"},
		&cli.StringFlag{Name: "mac-address", Usage: "container MAC address (e.g., 92:d0:c6:0a:29:33)"},
		&cli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a container's port(s) to the host"},
		&cli.BoolFlag{Name: "publish-all", Aliases: []string{"P"}, Usage: "publish all exposed ports to random ports"},
		&cli.StringSliceFlag{Name: "expose", Usage: "expose a port or a range of ports"},
		&cli.StringSliceFlag{Name: "dns", Usage: "set custom DNS servers"},
		&cli.StringSliceFlag{Name: "dns-search", Usage: "set custom DNS search domains"},
		&cli.StringSliceFlag{Name: "dns-option", Aliases: []string{"dns-opt"}, Usage: "set DNS options"},
		&cli.StringSliceFlag{Name: "add-host", Usage: "add a custom host-to-IP mapping (host:ip, or host:host-gateway)"},
	}
}
