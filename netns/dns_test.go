package netns

import (
	"net"
	"net/netip"
	"path/filepath"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// testResponder answers for a network "app" (10.7.0.0/24) with web
// (alias www) and db, without listening.
func testResponder(t *testing.T, upstreams []string, internal bool) *responder {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "appid")
	for _, ep := range []*Endpoint{
		{ContainerID: "aaa", ContainerName: "web", IP: netip.MustParseAddr("10.7.0.2"), DNSNames: []string{"web", "aaa", "www"}},
		{ContainerID: "bbb", ContainerName: "db", IP: netip.MustParseAddr("10.7.0.3"), DNSNames: []string{"db", "bbb"},
			Upstreams: []string{"192.0.2.99"}},
	} {
		if err := writeJSONFile(filepath.Join(dir, ep.IP.String()), ep); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &DNSConfig{Network: "app", Dir: dir, Listen: "10.7.0.1", Subnet: "10.7.0.0/24", Upstreams: upstreams, Internal: internal}
	return &responder{cfg: cfg, subnet: netip.MustParsePrefix(cfg.Subnet), live: func(*Endpoint) bool { return true }}
}

func query(t *testing.T, name string, typ dnsmessage.Type) []byte {
	t.Helper()
	msg := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: 4242, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}},
	}
	b, err := msg.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func answer(t *testing.T, b []byte) (dnsmessage.RCode, []string) {
	t.Helper()
	if b == nil {
		t.Fatal("no response")
	}
	var m dnsmessage.Message
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	if m.ID != 4242 || !m.Response {
		t.Fatalf("response header %+v", m.Header)
	}
	var out []string
	for _, a := range m.Answers {
		switch body := a.Body.(type) {
		case *dnsmessage.AResource:
			out = append(out, netip.AddrFrom4(body.A).String())
		case *dnsmessage.PTRResource:
			out = append(out, body.PTR.String())
		}
	}
	return m.RCode, out
}

func TestResponderAnswersNetworkNames(t *testing.T) {
	t.Parallel()
	r := testResponder(t, nil, false)
	from := netip.MustParseAddr("10.7.0.3")
	for _, tc := range []struct {
		name string
		typ  dnsmessage.Type
		want []string
	}{
		{"web.", dnsmessage.TypeA, []string{"10.7.0.2"}},
		{"WEB.", dnsmessage.TypeA, []string{"10.7.0.2"}},
		{"www.", dnsmessage.TypeA, []string{"10.7.0.2"}},
		{"aaa.", dnsmessage.TypeA, []string{"10.7.0.2"}},
		{"db.app.", dnsmessage.TypeA, []string{"10.7.0.3"}},
		{"web.", dnsmessage.TypeAAAA, nil},
		{"2.0.7.10.in-addr.arpa.", dnsmessage.TypePTR, []string{"web.app."}},
	} {
		rcode, got := answer(t, r.handle(query(t, tc.name, tc.typ), from, "udp"))
		if rcode != dnsmessage.RCodeSuccess || len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%s %v: %v %v, want %v", tc.name, tc.typ, rcode, got, tc.want)
		}
	}
}

func TestResponderRefusesOutsiders(t *testing.T) {
	t.Parallel()
	r := testResponder(t, nil, false)
	rcode, got := answer(t, r.handle(query(t, "web.", dnsmessage.TypeA), netip.MustParseAddr("10.8.0.2"), "udp"))
	if rcode != dnsmessage.RCodeRefused || len(got) != 0 {
		t.Errorf("query from another network: %v %v, want REFUSED", rcode, got)
	}
}

// fakeUpstream answers every query with one A record.
func fakeUpstream(t *testing.T, addr [4]byte) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:n]) != nil {
				continue
			}
			m.Response = true
			m.Answers = []dnsmessage.Resource{{
				Header: dnsmessage.ResourceHeader{Name: m.Questions[0].Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
				Body:   &dnsmessage.AResource{A: addr},
			}}
			b, _ := m.Pack()
			_, _ = pc.WriteTo(b, from)
		}
	}()
	return pc.LocalAddr().String()
}

func TestResponderForwardsOtherNames(t *testing.T) {
	t.Parallel()
	up := fakeUpstream(t, [4]byte{192, 0, 2, 7})
	r := testResponder(t, []string{up}, false)
	rcode, got := answer(t, r.handle(query(t, "example.org.", dnsmessage.TypeA), netip.MustParseAddr("10.7.0.2"), "udp"))
	if rcode != dnsmessage.RCodeSuccess || len(got) != 1 || got[0] != "192.0.2.7" {
		t.Errorf("forwarded query: %v %v", rcode, got)
	}
	// a container with --dns uses its own servers (here: none answering)
	r.cfg.Upstreams = nil
	own := fakeUpstream(t, [4]byte{192, 0, 2, 8})
	eps := r.endpoints()
	for _, ep := range eps {
		if ep.ContainerName == "db" {
			ep.Upstreams = []string{own}
		}
	}
	rcode, got = answer(t, r.handle(query(t, "example.org.", dnsmessage.TypeA), netip.MustParseAddr("10.7.0.3"), "udp"))
	if rcode != dnsmessage.RCodeSuccess || len(got) != 1 || got[0] != "192.0.2.8" {
		t.Errorf("query of a container with --dns: %v %v", rcode, got)
	}
}

func TestResponderInternalNetworkDoesNotForward(t *testing.T) {
	t.Parallel()
	up := fakeUpstream(t, [4]byte{192, 0, 2, 7})
	r := testResponder(t, []string{up}, true)
	rcode, _ := answer(t, r.handle(query(t, "example.org.", dnsmessage.TypeA), netip.MustParseAddr("10.7.0.2"), "udp"))
	if rcode != dnsmessage.RCodeRefused {
		t.Errorf("internal network forwarded: %v", rcode)
	}
	if rcode, got := answer(t, r.handle(query(t, "db.", dnsmessage.TypeA), netip.MustParseAddr("10.7.0.2"), "udp")); rcode != dnsmessage.RCodeSuccess || len(got) != 1 {
		t.Errorf("internal network's own name: %v %v", rcode, got)
	}
}

// A container on two networks resolves the other network's names through
// either network's responder, as with docker's embedded DNS.
func TestResponderKnowsTheQuerierOtherNetworks(t *testing.T) {
	t.Parallel()
	r := testResponder(t, nil, true)
	other := filepath.Join(filepath.Dir(r.cfg.Dir), "backid")
	for _, ep := range []*Endpoint{
		{ContainerID: "aaa", ContainerName: "web", NetworkName: "back", IP: netip.MustParseAddr("10.9.0.2"), DNSNames: []string{"web"}},
		{ContainerID: "ccc", ContainerName: "cache", NetworkName: "back", IP: netip.MustParseAddr("10.9.0.3"), DNSNames: []string{"cache"}},
	} {
		if err := writeJSONFile(filepath.Join(other, ep.IP.String()), ep); err != nil {
			t.Fatal(err)
		}
	}
	rcode, got := answer(t, r.handle(query(t, "cache.", dnsmessage.TypeA), netip.MustParseAddr("10.7.0.2"), "udp"))
	if rcode != dnsmessage.RCodeSuccess || len(got) != 1 || got[0] != "10.9.0.3" {
		t.Errorf("web (on both) asking for cache: %v %v", rcode, got)
	}
	if rcode, got := answer(t, r.handle(query(t, "cache.back.", dnsmessage.TypeA), netip.MustParseAddr("10.7.0.2"), "udp")); len(got) != 1 {
		t.Errorf("web asking for cache.back: %v %v", rcode, got)
	}
	if rcode, got := answer(t, r.handle(query(t, "cache.", dnsmessage.TypeA), netip.MustParseAddr("10.7.0.3"), "udp")); len(got) != 0 {
		t.Errorf("db (not on back) resolved cache: %v %v", rcode, got)
	}
}
