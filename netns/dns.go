package netns

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/proc"
)

// DNSRole is the value of _SKIFF_ROLE that makes main call DNSMain: the
// DNS responder of one user-defined network.
const DNSRole = "dns"

// DNSConfig is what a network's DNS responder runs with.
type DNSConfig struct {
	Network string // the network's name: "web.NETWORK" is "web" too
	// Dir holds the network's allocations (Endpoint files): the names
	// it answers.
	Dir    string
	Listen string // the gateway address
	Subnet string
	// Upstreams get every other query; a container's own --dns servers
	// (Endpoint.Upstreams) win over these.
	Upstreams []string
	// Internal networks have no way out: other names are refused.
	Internal bool
}

// dnsTTL is the TTL of the responder's answers (docker's).
const dnsTTL = 600

// ensureDNS starts the network's DNS responder unless it runs. The caller
// holds the lock.
func (h *Host) ensureDNS(n *Network) error {
	path := filepath.Join(h.StateDir, "dns", n.ID+".json")
	var hp HelperProc
	if readJSONFile(path, &hp) == nil && hp.Alive() {
		return nil
	}
	cfg := &DNSConfig{
		Network: n.Name, Dir: h.poolFor(n).dir, Listen: n.Gateway.String(), Subnet: n.Subnet.String(),
		Upstreams: h.upstreams(), Internal: n.Internal,
	}
	stopDNSStrays(h.NSPath(), cfg.Listen)
	p, err := startResponder(h.NSPath(), cfg)
	if err != nil {
		return fmt.Errorf("starting the DNS responder of network %s: %w", n.Name, err)
	}
	return writeJSONFile(path, p)
}

// dnsProcName is a responder's argv[0]; its arguments are the network's
// name and the address it listens on.
const dnsProcName = "skiff-dns"

// stopDNSStrays ends the responders listening on listen in the namespace
// pinned at nsPath ("" is this one) that no record names: a command
// killed (kill -9) between starting one and recording it leaves it
// holding the gateway's port 53, and every later start then fails
// ("address already in use"). The caller holds the lock.
func stopDNSStrays(nsPath, listen string) {
	if nsPath == "" {
		nsPath = "/proc/self/ns/net"
	}
	var want unix.Stat_t
	if unix.Stat(nsPath, &want) != nil {
		return
	}
	strays := findProcs(func(pid int, args []string) bool {
		if args[0] != dnsProcName || len(args) < 3 || args[2] != listen {
			return false
		}
		var st unix.Stat_t
		return unix.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st) == nil && st.Dev == want.Dev && st.Ino == want.Ino
	})
	for _, hp := range strays {
		hp.Stop()
	}
}

// stopDNS stops the network's DNS responder.
func (h *Host) stopDNS(id string) {
	path := filepath.Join(h.StateDir, "dns", id+".json")
	var hp HelperProc
	if readJSONFile(path, &hp) == nil {
		hp.Stop()
	}
	os.Remove(path)
}

// upstreams are the servers a responder forwards to: the host's, reached
// from where the responder runs (the rootless namespace cannot reach the
// host's loopback; the helper's forwarder can).
func (h *Host) upstreams() []string {
	servers, _, _ := hostResolvers(!h.Rootless)
	if len(servers) == 0 && h.Rootless {
		servers = []string{h.HelperDNS()}
	}
	return servers
}

// startResponder starts a DNS responder in the namespace at nsPath and
// waits until it listens.
func startResponder(nsPath string, cfg *DNSConfig) (*HelperProc, error) {
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		cfgW.Close()
		return nil, err
	}
	defer readyR.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{dnsProcName, cfg.Network, cfg.Listen}
	cmd.Env = []string{"_SKIFF_ROLE=" + DNSRole}
	cmd.ExtraFiles = []*os.File{cfgR, readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = Do(nsPath, cmd.Start)
	cfgR.Close()
	readyW.Close()
	if err != nil {
		cfgW.Close()
		return nil, err
	}
	go func() { _ = cmd.Wait() }()
	_ = json.NewEncoder(cfgW).Encode(cfg)
	cfgW.Close()
	_ = readyR.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	n, _ := readyR.Read(buf)
	if msg := strings.TrimSpace(string(buf[:n])); msg != "ok" {
		_ = cmd.Process.Kill()
		if msg == "" {
			msg = "it did not start"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	start, _ := proc.StartTime(cmd.Process.Pid)
	return &HelperProc{Kind: "dns", Pid: cmd.Process.Pid, Start: start}, nil
}

// DNSMain is the DNS responder's entry point: it answers until its
// network has no live container left.
func DNSMain() int {
	setProcName(dnsProcName)
	f := os.NewFile(3, "config")
	ready := os.NewFile(4, "ready")
	var cfg DNSConfig
	err := json.NewDecoder(f).Decode(&cfg)
	f.Close()
	if err != nil {
		fmt.Fprintf(ready, "reading the configuration: %v\n", err)
		return 125
	}
	r, err := newResponder(&cfg)
	if err != nil {
		fmt.Fprintf(ready, "%v\n", err)
		return 125
	}
	fmt.Fprintln(ready, "ok")
	ready.Close()
	devnull, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	for _, fd := range []int{0, 1, 2} {
		_ = syscall.Dup2(int(devnull.Fd()), fd)
	}
	go r.serveUDP()
	go r.serveTCP()
	r.idleExit()
	return 0
}

// responder answers one network's names.
type responder struct {
	cfg    *DNSConfig
	subnet netip.Prefix
	udp    *net.UDPConn
	tcp    *net.TCPListener

	// live tells current endpoints from stale ones; nil is IsPinned.
	live func(*Endpoint) bool

	mu      sync.Mutex
	mtime   time.Time
	records []*Endpoint
}

func newResponder(cfg *DNSConfig) (*responder, error) {
	subnet, err := netip.ParsePrefix(cfg.Subnet)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(cfg.Listen, "53")
	udp, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s/udp: %w", addr, err)
	}
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		udp.Close()
		return nil, fmt.Errorf("listening on %s/tcp: %w", addr, err)
	}
	return &responder{cfg: cfg, subnet: subnet, udp: udp.(*net.UDPConn), tcp: tcp.(*net.TCPListener)}, nil
}

// idleExit returns once the network has had no live container for two
// checks in a row (its last container went without skiff stopping us).
func (r *responder) idleExit() {
	idle := 0
	for {
		time.Sleep(2 * time.Second)
		if len(r.endpoints()) > 0 {
			idle = 0
			continue
		}
		if idle++; idle >= 2 {
			return
		}
	}
}

// endpoints are the network's live containers, re-read when the
// allocation directory changed.
func (r *responder) endpoints() []*Endpoint {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := os.Stat(r.cfg.Dir)
	if err != nil {
		r.records = nil
		return nil
	}
	if !st.ModTime().Equal(r.mtime) || r.records == nil {
		r.records, _ = listEndpoints(r.cfg.Dir, func(_ string, ep *Endpoint) bool { return r.isLive(ep) })
		r.mtime = st.ModTime()
	}
	return r.records
}

func (r *responder) isLive(ep *Endpoint) bool {
	if r.live != nil {
		return r.live(ep)
	}
	return IsPinned(ep.Pin)
}

func (r *responder) serveUDP() {
	buf := make([]byte, 65535)
	for {
		n, from, err := r.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			continue
		}
		q := append([]byte(nil), buf[:n]...)
		go func() {
			if resp := r.handle(q, from.Addr().Unmap(), "udp"); resp != nil {
				_, _ = r.udp.WriteToUDPAddrPort(resp, from)
			}
		}()
	}
}

func (r *responder) serveTCP() {
	for {
		c, err := r.tcp.AcceptTCP()
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go r.serveTCPConn(c)
	}
}

// serveTCPConn answers length-prefixed queries on one connection.
func (r *responder) serveTCPConn(c *net.TCPConn) {
	defer c.Close()
	from, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	for {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		q, err := readTCPMsg(c)
		if err != nil {
			return
		}
		resp := r.handle(q, from.Addr().Unmap(), "tcp")
		if resp == nil || writeTCPMsg(c, resp) != nil {
			return
		}
	}
}

func readTCPMsg(c net.Conn) ([]byte, error) {
	var l [2]byte
	if _, err := ioReadFull(c, l[:]); err != nil {
		return nil, err
	}
	b := make([]byte, int(l[0])<<8|int(l[1]))
	_, err := ioReadFull(c, b)
	return b, err
}

func writeTCPMsg(c net.Conn, b []byte) error {
	_, err := c.Write(append([]byte{byte(len(b) >> 8), byte(len(b))}, b...))
	return err
}

func ioReadFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// handle answers one query: the network's names itself, others through
// the upstream servers. It returns nil when there is nothing to send.
func (r *responder) handle(q []byte, from netip.Addr, proto string) []byte {
	var p dnsmessage.Parser
	hdr, err := p.Start(q)
	if err != nil {
		return nil
	}
	question, err := p.Question()
	if err != nil {
		return reply(hdr, nil, dnsmessage.RCodeFormatError, nil)
	}
	if !r.subnet.Contains(from) {
		return reply(hdr, &question, dnsmessage.RCodeRefused, nil)
	}
	eps := r.endpoints()
	if answers, known := r.lookup(eps, question); known {
		return reply(hdr, &question, dnsmessage.RCodeSuccess, answers)
	}
	if answers, known := r.lookupElsewhere(eps, from, question); known {
		return reply(hdr, &question, dnsmessage.RCodeSuccess, answers)
	}
	if r.cfg.Internal {
		return reply(hdr, &question, dnsmessage.RCodeRefused, nil)
	}
	upstreams := r.cfg.Upstreams
	for _, ep := range eps {
		if ep.IP == from && len(ep.Upstreams) > 0 {
			upstreams = ep.Upstreams
		}
	}
	if resp := forwardQuery(q, upstreams, proto); resp != nil {
		return resp
	}
	return reply(hdr, &question, dnsmessage.RCodeServerFailure, nil)
}

// reply builds a response to hdr's query.
func reply(hdr dnsmessage.Header, q *dnsmessage.Question, rcode dnsmessage.RCode, answers []dnsmessage.Resource) []byte {
	h := dnsmessage.Header{ID: hdr.ID, Response: true, OpCode: hdr.OpCode, RecursionDesired: hdr.RecursionDesired,
		RecursionAvailable: true, RCode: rcode, Authoritative: rcode == dnsmessage.RCodeSuccess && len(answers) > 0}
	msg := dnsmessage.Message{Header: h, Answers: answers}
	if q != nil {
		msg.Questions = []dnsmessage.Question{*q}
	}
	b, err := msg.Pack()
	if err != nil {
		return nil
	}
	return b
}
