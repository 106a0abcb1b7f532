package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	goruntime "runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/proc"
)

// ForwarderRole is the value of _SKIFF_ROLE that makes main call
// ForwarderMain: the port forwarder of one container.
const ForwarderRole = "port"

// The forwarder's descriptors: its config, then one socket per port.
const (
	forwardConfigFD = 3
	forwardFirstFD  = 4
)

// ForwardConfig is what a port forwarder runs with.
type ForwardConfig struct {
	// NetNS is the container's pinned network namespace and Target its
	// address there (loopback for a namespace without one).
	NetNS  string
	Target string
	// Ports pair with the sockets passed from fd 4 on, in order.
	Ports []BoundPort
	// Watch is the process (pid and start time) the forwarder lives as
	// long as: the container's monitor.
	Watch      int
	WatchStart uint64
	// DNAT is set when the kernel forwards the IPv4 ports (root, a
	// container on a bridge: dnat.go): the forwarder only holds their
	// sockets, reserving the ports, and removes its port table
	// (DNATTable of its own pid) when the watched process ends.
	DNAT bool `json:",omitempty"`
}

// StartForwarder starts the port forwarder of a container: a process of
// its own in the caller's (the host's) network namespace that accepts on
// the published ports and connects to the container from inside its
// namespace: one hop. It ends with the watched
// process (the container's monitor). files are the bound sockets, in the
// order of cfg.Ports; the caller keeps and closes its copies.
func StartForwarder(cfg *ForwardConfig, files []*os.File) (*HelperProc, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"skiff-port-forwarder", cfg.Target}
	cmd.Env = []string{"_SKIFF_ROLE=" + ForwarderRole}
	cmd.ExtraFiles = append([]*os.File{r}, files...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("starting the port forwarder: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	_ = json.NewEncoder(w).Encode(cfg)
	w.Close()
	start, _ := proc.StartTime(cmd.Process.Pid)
	return &HelperProc{Kind: "port", Pid: cmd.Process.Pid, Start: start}, nil
}

// ForwarderMain is the port forwarder's entry point; it runs until killed.
func ForwarderMain() int {
	setProcName("skiff-port")
	f := os.NewFile(forwardConfigFD, "config")
	var cfg ForwardConfig
	err := json.NewDecoder(f).Decode(&cfg)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "port forwarder: reading the configuration:", err)
		return 125
	}
	d, err := newNSDialer(cfg.NetNS)
	if err != nil {
		fmt.Fprintln(os.Stderr, "port forwarder:", err)
		return 125
	}
	var held []*os.File
	for i, p := range cfg.Ports {
		f := os.NewFile(uintptr(forwardFirstFD+i), "port")
		if cfg.DNAT && DNATPort(p) {
			held = append(held, f) // kept open: the reservation
			continue
		}
		_ = unix.SetNonblock(int(f.Fd()), true)
		ip, err := netip.ParseAddr(cfg.Target)
		if err != nil || !ip.Is4() {
			fmt.Fprintln(os.Stderr, "port forwarder: invalid target", cfg.Target)
			return 125
		}
		target := netip.AddrPortFrom(ip, uint16(p.ContainerPort))
		if p.Proto == "udp" {
			pc, err := net.FilePacketConn(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "port forwarder:", err)
				return 125
			}
			go serveUDP(pc, d, target)
		} else {
			ln, err := net.FileListener(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "port forwarder:", err)
				return 125
			}
			go serveTCP(ln, d, target)
		}
		f.Close()
	}
	waitFor(cfg.Watch, cfg.WatchStart)
	if cfg.DNAT {
		// The monitor died without releasing the network (kill -9):
		// the rules go with the reservation.
		if start, err := proc.StartTime(os.Getpid()); err == nil {
			RemoveDNAT(DNATTable(os.Getpid(), start))
		}
	}
	for _, f := range held {
		f.Close()
	}
	return 0
}

// waitFor returns when the process pid (started at start) has ended.
func waitFor(pid int, start uint64) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if !proc.Alive(pid, start) {
		return
	}
	for {
		_, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, -1)
		if err != unix.EINTR {
			return
		}
	}
}

// nsDialer opens sockets inside a network namespace: a thread that
// joined the namespace for good makes them (a socket stays in the
// namespace it was made in); connecting happens on any thread, through
// Go's poller.
type nsDialer struct {
	reqs chan sockReq
}

type sockReq struct {
	typ  int
	resp chan sockResp
}

type sockResp struct {
	fd  int
	err error
}

func newNSDialer(path string) (*nsDialer, error) {
	d := &nsDialer{reqs: make(chan sockReq)}
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread() // never unlocked: the thread ends with the process
		if err := setnsPath(path); err != nil {
			errc <- err
			return
		}
		errc <- nil
		for r := range d.reqs {
			fd, err := unix.Socket(unix.AF_INET, r.typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			r.resp <- sockResp{fd, err}
		}
	}()
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("joining the container's network namespace: %w", err)
	}
	return d, nil
}

// dial connects to addr (an IPv4 address and port) from inside the
// namespace; network is "tcp" or "udp".
func (d *nsDialer) dial(network string, addr netip.AddrPort) (net.Conn, error) {
	typ := unix.SOCK_STREAM
	if network == "udp" {
		typ = unix.SOCK_DGRAM
	}
	resp := make(chan sockResp, 1)
	d.reqs <- sockReq{typ: typ, resp: resp}
	r := <-resp
	if r.err != nil {
		return nil, r.err
	}
	sa := &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	err := unix.Connect(r.fd, sa)
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(r.fd)
		return nil, err
	}
	f := os.NewFile(uintptr(r.fd), "conn")
	c, ferr := net.FileConn(f)
	f.Close()
	if ferr != nil {
		return nil, ferr
	}
	if err == unix.EINPROGRESS {
		if err := waitConnected(c); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// waitConnected waits for a non-blocking connect to finish.
func waitConnected(c net.Conn) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	defer c.SetWriteDeadline(time.Time{})
	var cerr error
	werr := rc.Write(func(fd uintptr) bool {
		if _, err := unix.Getpeername(int(fd)); err == nil {
			return true
		}
		if v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR); err != nil || v != 0 {
			cerr = err
			if v != 0 {
				cerr = unix.Errno(v)
			}
			return true
		}
		return false
	})
	if werr != nil {
		return werr
	}
	return cerr
}

func serveTCP(ln net.Listener, d *nsDialer, target netip.AddrPort) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and friends
			continue
		}
		go proxyTCP(c.(*net.TCPConn), d, target)
	}
}

// proxyTCP moves bytes both ways until both sides are done.
func proxyTCP(client *net.TCPConn, d *nsDialer, target netip.AddrPort) {
	defer client.Close()
	sc, err := d.dial("tcp", target)
	if err != nil {
		return
	}
	server := sc.(*net.TCPConn)
	defer server.Close()
	_ = client.SetNoDelay(true)
	_ = server.SetNoDelay(true)
	done := make(chan struct{})
	go func() {
		relay(server, client)
		close(done)
	}()
	relay(client, server)
	<-done
}

// Copy buffers start small and grow while reads fill them: a bulk
// transfer then moves megabytes per system call. Plain read/write with
// large buffers measured faster here than splice(2), which moves only what
// a socket holds at the moment per call.
const (
	minCopyBuf = 32 << 10
	maxCopyBuf = 4 << 20
)

// relay copies src to dst, then half-closes dst.
func relay(dst, src *net.TCPConn) {
	defer func() { _ = dst.CloseWrite() }()
	buf := make([]byte, minCopyBuf)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			if n == len(buf) && len(buf) < maxCopyBuf {
				buf = make([]byte, 2*len(buf))
			}
		}
		if err != nil {
			return
		}
	}
}

// udpIdle is how long a UDP flow without traffic keeps its socket.
const udpIdle = 90 * time.Second

// serveUDP relays datagrams: one connected socket in the container's
// namespace per client address, replies sent back from the host socket.
func serveUDP(pc net.PacketConn, d *nsDialer, target netip.AddrPort) {
	var mu sync.Mutex
	flows := map[string]net.Conn{}
	buf := make([]byte, 65535)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		key := from.String()
		mu.Lock()
		c := flows[key]
		mu.Unlock()
		if c == nil {
			if c, err = d.dial("udp", target); err != nil {
				continue
			}
			mu.Lock()
			flows[key] = c
			mu.Unlock()
			go func(c net.Conn, from net.Addr) {
				reply := make([]byte, 65535)
				for {
					_ = c.SetReadDeadline(time.Now().Add(udpIdle))
					n, err := c.Read(reply)
					if err != nil {
						var ne net.Error
						if errors.As(err, &ne) && !ne.Timeout() && !errors.Is(err, net.ErrClosed) {
							continue // ICMP unreachable: keep the flow
						}
						break
					}
					_, _ = pc.WriteTo(reply[:n], from)
				}
				mu.Lock()
				delete(flows, from.String())
				mu.Unlock()
				c.Close()
			}(c, from)
		}
		_, _ = c.Write(buf[:n])
	}
}

// setProcName sets the process's name (comm) as ps and pgrep show it.
func setProcName(name string) {
	_ = os.WriteFile("/proc/self/comm", []byte(name), 0)
}
