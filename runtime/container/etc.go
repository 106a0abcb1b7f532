package container

import (
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/network"
)

// etcFiles are the files skiff provides in the container's /etc.
var etcFiles = []string{"hosts", "hostname", "resolv.conf"}

// writeEtcFiles writes the container's /etc/hosts, /etc/hostname and
// /etc/resolv.conf into its runtime directory and returns the bind mounts
// that put them in place. It runs after prepareNetwork: the files name
// the container's addresses and its network's DNS responder. A container
// joining another's network (container:NAME) shares that one's files.
func (c *Container) writeEtcFiles() ([]specs.Mount, error) {
	dir := c.RunDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	rt := c.loadNetRuntime()
	if rt == nil {
		rt = &netRuntime{Mode: c.netConfig().Mode}
	}
	if rt.Joined != "" {
		if target, err := load(c.e, rt.Joined); err == nil {
			dir = target.RunDir()
		}
	} else if err := c.writeNetworkFiles(dir, rt); err != nil {
		return nil, err
	}
	var mounts []specs.Mount
	for _, f := range etcFiles {
		mounts = append(mounts, specs.Mount{
			Destination: "/etc/" + f, Type: "bind", Source: filepath.Join(dir, f),
			Options: []string{"rbind", "rprivate"},
		})
	}
	return mounts, nil
}

func (c *Container) writeNetworkFiles(dir string, rt *netRuntime) error {
	hostNet := rt.Mode == ModeHost
	hostname := c.Config.Hostname
	if hostNet {
		hostname, _ = os.Hostname()
	}
	var extra []netns.HostEntry
	for _, h := range c.HostConfig.ExtraHosts {
		name, ip, err := ParseAddHost(h)
		if err != nil {
			continue
		}
		if ip == HostGateway {
			if ip = rt.HostGateway; ip == "" {
				continue
			}
		}
		extra = append(extra, netns.HostEntry{IP: ip, Names: []string{name}})
	}
	linked, _, _ := c.linkedHosts(rt, false)
	extra = append(extra, linked...)
	if err := netns.WriteHosts(filepath.Join(dir, "hosts"), netns.HostsOptions{
		Hostname: hostname, Domainname: c.Config.Domainname, IPs: rt.Addrs, Extra: extra,
	}); err != nil {
		return err
	}
	if err := netns.WriteHostname(filepath.Join(dir, "hostname"), hostname); err != nil {
		return err
	}
	return netns.WriteResolvConf(filepath.Join(dir, "resolv.conf"), netns.ResolvOptions{
		DNS: c.HostConfig.DNS, Search: c.HostConfig.DNSSearch, Options: c.HostConfig.DNSOptions,
		HostNetwork: hostNet, Fallback: c.dnsFallback(rt), Embedded: rt.embeddedDNS(),
	})
}

// embeddedDNS is the DNS responder of the container's first user-defined
// network, or "".
func (rt *netRuntime) embeddedDNS() string {
	for _, ep := range rt.Endpoints {
		if len(ep.DNSNames) > 0 {
			return ep.Gateway.String()
		}
	}
	return ""
}

// dnsFallback are the nameservers used when none of the host's is
// reachable from the container (all on the host's loopback): the outward
// helper's DNS forwarder, or docker's public defaults as root.
func (c *Container) dnsFallback(rt *netRuntime) []string {
	switch {
	case rt.Helper != nil && rt.Helper.DNS != "":
		return []string{rt.Helper.DNS}
	case rt.Mode == ModeBridge && c.e.Rootless():
		return []string{network.Bridges(c.e).HelperDNS()}
	case rt.Mode == ModeBridge:
		return []string{"8.8.8.8", "8.8.4.4"}
	}
	return nil
}
