package netns

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// PortMapping is one published port, as -p gives it with ranges expanded.
type PortMapping struct {
	// HostIP is the host address to listen on; "" means all addresses
	// (0.0.0.0 and ::), docker's default.
	HostIP string
	// HostPort is the host port; 0 picks a free one. HostPortEnd, when
	// above HostPort, makes [HostPort, HostPortEnd] a range to pick from.
	HostPort      int
	HostPortEnd   int
	ContainerPort int
	Proto         string // tcp or udp
}

// Key is docker's port key: "80/tcp".
func (m PortMapping) Key() string { return PortKey(m.ContainerPort, m.Proto) }

// HostPortString is the host port as docker records it in PortBindings:
// "" for a random one, "8000-8010" for a range.
func (m PortMapping) HostPortString() string {
	switch {
	case m.HostPort == 0:
		return ""
	case m.HostPortEnd > m.HostPort:
		return fmt.Sprintf("%d-%d", m.HostPort, m.HostPortEnd)
	}
	return strconv.Itoa(m.HostPort)
}

// PortKey is docker's "PORT/PROTO".
func PortKey(port int, proto string) string { return strconv.Itoa(port) + "/" + proto }

// ParsePortKey splits "80/tcp" (or "80", meaning tcp).
func ParsePortKey(s string) (int, string, error) {
	p, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return 0, "", fmt.Errorf("invalid protocol %q in %q: use tcp or udp", proto, s)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, "", fmt.Errorf("invalid port %q", s)
	}
	return n, proto, nil
}

// ParsePublish parses one -p/--publish value:
// [IP:][HOSTPORT:]CONTAINERPORT[/PROTO], where the ports may be ranges
// (8000-8010) and an IPv6 address is written in brackets.
func ParsePublish(spec string) ([]PortMapping, error) {
	bad := func(why string) error { return fmt.Errorf("invalid publish value %q: %s", spec, why) }
	rest, proto, hasProto := strings.Cut(spec, "/")
	if !hasProto || proto == "" {
		proto = "tcp"
	}
	proto = strings.ToLower(proto)
	switch proto {
	case "tcp", "udp":
	case "sctp":
		return nil, bad("sctp is not supported: use tcp or udp")
	default:
		return nil, bad("unknown protocol " + proto + ": use tcp or udp")
	}
	ip, hostPart, ctrPart, err := splitPublish(rest)
	if err != nil {
		return nil, bad(err.Error())
	}
	if ip != "" {
		parsed := net.ParseIP(ip)
		if parsed == nil {
			return nil, bad("invalid IP address " + ip)
		}
		if parsed.To4() != nil {
			ip = parsed.To4().String()
		} else {
			ip = parsed.String()
		}
	}
	ctrLo, ctrHi, err := parseRange(ctrPart, false)
	if err != nil {
		return nil, bad(err.Error())
	}
	hostLo, hostHi := 0, 0
	if hostPart != "" {
		if hostLo, hostHi, err = parseRange(hostPart, true); err != nil {
			return nil, bad(err.Error())
		}
	}
	n := ctrHi - ctrLo + 1
	var out []PortMapping
	switch {
	case hostPart == "" || (hostLo == 0 && hostHi == 0):
		for i := 0; i < n; i++ {
			out = append(out, PortMapping{HostIP: ip, ContainerPort: ctrLo + i, Proto: proto})
		}
	case n == 1:
		m := PortMapping{HostIP: ip, HostPort: hostLo, ContainerPort: ctrLo, Proto: proto}
		if hostHi > hostLo {
			m.HostPortEnd = hostHi
		}
		out = append(out, m)
	case hostHi-hostLo+1 == n:
		for i := 0; i < n; i++ {
			out = append(out, PortMapping{HostIP: ip, HostPort: hostLo + i, ContainerPort: ctrLo + i, Proto: proto})
		}
	default:
		return nil, bad("the host and container port ranges differ in size")
	}
	return out, nil
}

// splitPublish splits [IP:][HOSTPORT:]CONTAINERPORT.
func splitPublish(s string) (ip, host, ctr string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 || len(s) < end+2 || s[end+1] != ':' {
			return "", "", "", fmt.Errorf("unterminated IPv6 address")
		}
		ip = s[1:end]
		rest := strings.Split(s[end+2:], ":")
		if len(rest) != 2 {
			return "", "", "", fmt.Errorf("an address needs HOSTPORT:CONTAINERPORT after it")
		}
		return ip, rest[0], rest[1], nil
	}
	parts := strings.Split(s, ":")
	n := len(parts)
	switch n {
	case 1:
		return "", "", parts[0], nil
	case 2:
		return "", parts[0], parts[1], nil
	}
	return strings.Join(parts[:n-2], ":"), parts[n-2], parts[n-1], nil
}

// parseRange parses "80" or "8000-8010"; zero is allowed only for host
// ports ("0" asks for a random one).
func parseRange(s string, host bool) (int, int, error) {
	if s == "" {
		return 0, 0, fmt.Errorf("no port given")
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := parsePort(lo, host)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return a, a, nil
	}
	b, err := parsePort(hi, host)
	if err != nil {
		return 0, 0, err
	}
	if b < a {
		return 0, 0, fmt.Errorf("invalid port range %s", s)
	}
	return a, b, nil
}

func parsePort(s string, allowZero bool) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 || (n == 0 && !allowZero) {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return n, nil
}

// ParseExpose parses one --expose value: PORT[-PORT][/PROTO], giving
// docker's "PORT/PROTO" keys.
func ParseExpose(spec string) ([]string, error) {
	p, proto, _ := strings.Cut(spec, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return nil, fmt.Errorf("invalid expose value %q: use tcp or udp", spec)
	}
	lo, hi, err := parseRange(p, false)
	if err != nil {
		return nil, fmt.Errorf("invalid expose value %q: %v", spec, err)
	}
	var out []string
	for i := lo; i <= hi; i++ {
		out = append(out, PortKey(i, proto))
	}
	return out, nil
}

// BoundPort is a published port as bound on the host.
type BoundPort struct {
	Proto         string
	HostIP        string // the address as bound: 0.0.0.0, ::, 127.0.0.1
	HostPort      int
	ContainerPort int
}

// portGroup is a run of consecutive ports ps prints as one item.
type portGroup struct {
	ip, proto string
	host      bool // published (else only exposed)
	hLo, hHi  int
	cLo, cHi  int
}

// FormatPorts renders ports as docker ps does: published ports
// "0.0.0.0:8080->80/tcp, :::8080->80/tcp", exposed ones "443/tcp", with
// consecutive runs folded into ranges.
func FormatPorts(bound []BoundPort, exposed []string) string {
	var out []string
	for _, g := range mergePorts(portGroups(bound, exposed)) {
		ctr := rangeString(g.cLo, g.cHi) + "/" + g.proto
		if !g.host {
			out = append(out, ctr)
			continue
		}
		ip := g.ip
		if strings.Contains(ip, ":") && ip != "::" {
			ip = "[" + ip + "]"
		}
		out = append(out, fmt.Sprintf("%s:%s->%s", ip, rangeString(g.hLo, g.hHi), ctr))
	}
	return strings.Join(out, ", ")
}

// portGroups lists the published ports, then the exposed ones that are
// not published, in ps's order.
func portGroups(bound []BoundPort, exposed []string) []portGroup {
	published := map[string]bool{}
	var items []portGroup
	for _, b := range bound {
		published[PortKey(b.ContainerPort, b.Proto)] = true
		items = append(items, portGroup{ip: b.HostIP, proto: b.Proto, host: true, hLo: b.HostPort, hHi: b.HostPort, cLo: b.ContainerPort, cHi: b.ContainerPort})
	}
	for _, k := range exposed {
		if p, proto, err := ParsePortKey(k); err == nil && !published[k] {
			items = append(items, portGroup{proto: proto, cLo: p, cHi: p})
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		switch {
		case a.host != b.host:
			return a.host
		case a.proto != b.proto:
			return a.proto < b.proto
		case a.ip != b.ip:
			return a.ip < b.ip
		}
		return a.cLo < b.cLo
	})
	return items
}

// mergePorts folds consecutive ports of one address and protocol.
func mergePorts(items []portGroup) []portGroup {
	var merged []portGroup
	for _, it := range items {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			if last.host == it.host && last.ip == it.ip && last.proto == it.proto && it.cLo == last.cHi+1 &&
				(!it.host || it.hLo == last.hHi+1) {
				last.cHi, last.hHi = it.cHi, it.hHi
				continue
			}
		}
		merged = append(merged, it)
	}
	return merged
}

func rangeString(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}
