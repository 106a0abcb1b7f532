package netns

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// lookup answers q from the network's containers. known is false when the
// name is not one of theirs (the query goes upstream).
func (r *responder) lookup(eps []*Endpoint, q dnsmessage.Question) (answers []dnsmessage.Resource, known bool) {
	name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
	if q.Type == dnsmessage.TypePTR {
		return r.lookupPTR(eps, q, name)
	}
	for _, ep := range eps {
		n := name
		if short, ok := strings.CutSuffix(name, "."+strings.ToLower(ep.NetworkName)); ok && ep.NetworkName != "" {
			n = short
		} else if short, ok := strings.CutSuffix(name, "."+strings.ToLower(r.cfg.Network)); ok {
			n = short
		}
		if !hasName(ep, n) {
			continue
		}
		known = true
		if q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeALL {
			answers = append(answers, dnsmessage.Resource{
				Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: dnsTTL},
				Body:   &dnsmessage.AResource{A: ep.IP.As4()},
			})
		}
	}
	// Several containers under one name (compose's replicas share the
	// service's alias): docker's embedded DNS answers them all, in a
	// random order, so clients taking the first spread over them.
	rand.Shuffle(len(answers), func(i, j int) { answers[i], answers[j] = answers[j], answers[i] })
	return answers, known
}

// lookupElsewhere answers names of the other networks the querying
// container is on (docker's embedded DNS knows them all): their
// allocation directories are this one's siblings.
func (r *responder) lookupElsewhere(eps []*Endpoint, from netip.Addr, q dnsmessage.Question) ([]dnsmessage.Resource, bool) {
	if q.Type == dnsmessage.TypePTR {
		return nil, false
	}
	var id string
	for _, ep := range eps {
		if ep.IP == from {
			id = ep.ContainerID
		}
	}
	if id == "" {
		return nil, false
	}
	parent := filepath.Dir(r.cfg.Dir)
	dirs, _ := os.ReadDir(parent)
	for _, d := range dirs {
		dir := filepath.Join(parent, d.Name())
		if dir == r.cfg.Dir {
			continue
		}
		others, _ := listEndpoints(dir, func(_ string, ep *Endpoint) bool { return r.isLive(ep) })
		member := false
		for _, ep := range others {
			member = member || ep.ContainerID == id
		}
		if !member {
			continue
		}
		if answers, known := r.lookup(others, q); known {
			return answers, true
		}
	}
	return nil, false
}

func hasName(ep *Endpoint, name string) bool {
	for _, n := range ep.DNSNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// lookupPTR answers reverse queries for the network's addresses.
func (r *responder) lookupPTR(eps []*Endpoint, q dnsmessage.Question, name string) ([]dnsmessage.Resource, bool) {
	rev, ok := strings.CutSuffix(name, ".in-addr.arpa")
	if !ok {
		return nil, false
	}
	parts := strings.Split(rev, ".")
	if len(parts) != 4 {
		return nil, false
	}
	a, err := netip.ParseAddr(parts[3] + "." + parts[2] + "." + parts[1] + "." + parts[0])
	if err != nil || !r.subnet.Contains(a) {
		return nil, false
	}
	for _, ep := range eps {
		if ep.IP != a {
			continue
		}
		target, err := dnsmessage.NewName(ep.ContainerName + "." + r.cfg.Network + ".")
		if err != nil {
			return nil, true
		}
		return []dnsmessage.Resource{{
			Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypePTR, Class: dnsmessage.ClassINET, TTL: dnsTTL},
			Body:   &dnsmessage.PTRResource{PTR: target},
		}}, true
	}
	return nil, false
}

// forwardQuery relays a query to the first upstream server that answers,
// over the protocol the client used.
func forwardQuery(q []byte, upstreams []string, proto string) []byte {
	for _, s := range upstreams {
		addr := s
		if _, _, err := net.SplitHostPort(s); err != nil {
			addr = net.JoinHostPort(s, "53")
		}
		c, err := net.DialTimeout(proto, addr, 2*time.Second)
		if err != nil {
			continue
		}
		_ = c.SetDeadline(time.Now().Add(4 * time.Second))
		var resp []byte
		if proto == "tcp" {
			if writeTCPMsg(c, q) == nil {
				resp, err = readTCPMsg(c)
			}
		} else if _, err = c.Write(q); err == nil {
			buf := make([]byte, 65535)
			var n int
			n, err = c.Read(buf)
			resp = buf[:n]
		}
		c.Close()
		if err == nil && len(resp) > 0 {
			return resp
		}
	}
	return nil
}
