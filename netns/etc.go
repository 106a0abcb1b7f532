package netns

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
)

// HostEntry is one extra /etc/hosts line (--add-host, network aliases).
type HostEntry struct {
	IP    string
	Names []string
}

// HostsOptions describe a container's /etc/hosts.
type HostsOptions struct {
	Hostname   string
	Domainname string
	// IPs are the container's own addresses; without any (--network none)
	// the hostname resolves to loopback, as podman does.
	IPs   []string
	Extra []HostEntry
}

// WriteHosts writes a container's /etc/hosts.
func WriteHosts(path string, o HostsOptions) error {
	var b bytes.Buffer
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	for _, e := range o.Extra {
		fmt.Fprintf(&b, "%s\t%s\n", e.IP, strings.Join(e.Names, " "))
	}
	names := o.Hostname
	if o.Domainname != "" {
		names = o.Hostname + "." + o.Domainname + " " + o.Hostname
	}
	if len(o.IPs) == 0 {
		fmt.Fprintf(&b, "127.0.1.1\t%s\n", names)
	}
	for _, ip := range o.IPs {
		fmt.Fprintf(&b, "%s\t%s\n", ip, names)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// WriteHostname writes a container's /etc/hostname.
func WriteHostname(path, hostname string) error {
	return os.WriteFile(path, []byte(hostname+"\n"), 0o644)
}

// ResolvOptions describe a container's /etc/resolv.conf.
type ResolvOptions struct {
	DNS     []string // --dns: replaces the host's nameservers
	Search  []string // --dns-search
	Options []string // --dns-option
	// HostNetwork keeps loopback nameservers (the container shares the
	// host's loopback).
	HostNetwork bool
	// Fallback nameservers when none of the host's is reachable from the
	// container (all on loopback), e.g. the rootless helper's forwarder.
	Fallback []string
	// Embedded is the address of the network's DNS responder, or "".
	Embedded string
}

// hostResolvConf is the host's resolver file; with systemd-resolved's
// stub, the file listing the real upstream servers.
func hostResolvConf() []byte {
	b, _ := os.ReadFile("/etc/resolv.conf")
	if bytes.Contains(b, []byte("127.0.0.53")) {
		if real, err := os.ReadFile("/run/systemd/resolve/resolv.conf"); err == nil {
			return real
		}
	}
	return b
}

// hostResolvers reads the host's nameservers (loopback ones only when
// keepLoopback: a container with its own network cannot reach them),
// search domains and options.
func hostResolvers(keepLoopback bool) (servers, search, options []string) {
	sc := bufio.NewScanner(bytes.NewReader(hostResolvConf()))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if ip := net.ParseIP(f[1]); ip != nil && (keepLoopback || !ip.IsLoopback()) {
				servers = append(servers, f[1])
			}
		case "search", "domain":
			search = f[1:]
		case "options":
			options = append(options, f[1:]...)
		}
	}
	return servers, search, options
}

// WriteResolvConf writes a container's /etc/resolv.conf from the host's,
// as docker does: loopback nameservers are dropped unless the container
// shares the host's network, and flags override. On a network with a DNS
// responder, the responder is the only nameserver (the container's --dns
// servers are its upstreams) and ndots:0 is added, as docker does.
func WriteResolvConf(path string, o ResolvOptions) error {
	servers, search, options := hostResolvers(o.HostNetwork)
	if len(o.DNS) > 0 {
		servers = o.DNS
	}
	if len(servers) == 0 {
		servers = o.Fallback
	}
	if len(o.Search) > 0 {
		search = o.Search
		if len(search) == 1 && search[0] == "." {
			search = nil
		}
	}
	if len(o.Options) > 0 {
		options = o.Options
	}
	if o.Embedded != "" {
		servers = []string{o.Embedded}
		if len(o.Options) == 0 {
			options = append(options, "ndots:0")
		}
	}
	var b bytes.Buffer
	if len(search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(options, " "))
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
