package container

import (
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/netns"
)

// writeEtcFiles writes the container's /etc/hosts, /etc/hostname and
// /etc/resolv.conf into its runtime directory and returns the bind mounts
// that put them in place.
func (c *Container) writeEtcFiles() ([]specs.Mount, error) {
	dir := c.RunDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	hostNet := c.HostConfig.NetworkMode == "host"
	hostname := c.Config.Hostname
	if hostNet {
		hostname, _ = os.Hostname()
	}
	if err := netns.WriteHosts(filepath.Join(dir, "hosts"), netns.HostsOptions{
		Hostname: hostname, Domainname: c.Config.Domainname,
	}); err != nil {
		return nil, err
	}
	if err := netns.WriteHostname(filepath.Join(dir, "hostname"), hostname); err != nil {
		return nil, err
	}
	if err := netns.WriteResolvConf(filepath.Join(dir, "resolv.conf"), netns.ResolvOptions{
		DNS: c.HostConfig.DNS, Search: c.HostConfig.DNSSearch, Options: c.HostConfig.DNSOptions,
		HostNetwork: hostNet,
	}); err != nil {
		return nil, err
	}
	var mounts []specs.Mount
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		mounts = append(mounts, specs.Mount{
			Destination: "/etc/" + f, Type: "bind", Source: filepath.Join(dir, f),
			Options: []string{"rbind", "rprivate"},
		})
	}
	return mounts, nil
}
