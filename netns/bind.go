package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Bind opens the host side of published ports in the caller's network
// namespace: one socket per address (a mapping without an address gets
// 0.0.0.0 and, when the host has IPv6, ::), a free port where none was
// asked for. It returns the ports as bound and their sockets in the same
// order; on error nothing stays open. With dnat (root, a container on a
// bridge) the IPv4 ports are only reserved (a listening socket DNAT bypasses): the
// kernel's DNAT serves them (dnat.go).
func Bind(mappings []PortMapping, dnat bool) (bound []BoundPort, files []*os.File, retErr error) {
	defer func() {
		if retErr != nil {
			for _, f := range files {
				f.Close()
			}
			bound, files = nil, nil
		}
	}()
	for _, m := range mappings {
		b, fs, err := bindOne(m, dnat)
		if err != nil {
			return bound, files, err
		}
		bound = append(bound, b...)
		files = append(files, fs...)
	}
	return bound, files, nil
}

func bindOne(m PortMapping, dnat bool) ([]BoundPort, []*os.File, error) {
	lo, hi := m.HostPort, m.HostPort
	if m.HostPortEnd > m.HostPort {
		hi = m.HostPortEnd
	}
	var lastErr error
	if lo == 0 {
		// a random port: try again when only the IPv6 half clashed
		for try := 0; try < 10; try++ {
			b, fs, err := bindPort(m, 0, dnat)
			if err == nil {
				return b, fs, nil
			}
			if lastErr = err; !errors.Is(err, unix.EADDRINUSE) {
				break
			}
		}
		return nil, nil, bindError(m, lastErr)
	}
	for port := lo; port <= hi; port++ {
		b, fs, err := bindPort(m, port, dnat)
		if err == nil {
			return b, fs, nil
		}
		lastErr = err
		if !errors.Is(err, unix.EADDRINUSE) {
			break
		}
	}
	return nil, nil, bindError(m, lastErr)
}

// bindPort binds m's addresses on port (0: any free port, the same for
// every address).
func bindPort(m PortMapping, port int, dnat bool) ([]BoundPort, []*os.File, error) {
	ips := []string{m.HostIP}
	if m.HostIP == "" {
		ips = []string{"0.0.0.0", "::"}
	}
	var bound []BoundPort
	var files []*os.File
	for i, ip := range ips {
		f, got, err := listen(m.Proto, ip, port, !dnat || strings.Contains(ip, ":"))
		if err != nil {
			if i > 0 && m.HostIP == "" && !errors.Is(err, unix.EADDRINUSE) {
				break // no IPv6 on this host
			}
			for _, f := range files {
				f.Close()
			}
			return nil, nil, &bindErr{ip: ip, port: port, err: err}
		}
		port = got
		bound = append(bound, BoundPort{Proto: m.Proto, HostIP: ip, HostPort: got, ContainerPort: m.ContainerPort})
		files = append(files, f)
	}
	return bound, files, nil
}

type bindErr struct {
	ip   string
	port int
	err  error
}

func (e *bindErr) Error() string { return e.err.Error() }
func (e *bindErr) Unwrap() error { return e.err }

// bindError says what went wrong in docker's words, with the fix.
func bindError(m PortMapping, err error) error {
	var be *bindErr
	ip, port := m.HostIP, m.HostPort
	if errors.As(err, &be) {
		ip, port = be.ip, be.port
	}
	addr := net.JoinHostPort(ip, fmt.Sprint(port))
	switch {
	case errors.Is(err, unix.EADDRINUSE):
		return errdefs.Conflict("Bind for %s failed: port is already allocated", addr)
	case errors.Is(err, unix.EACCES):
		start := "1024"
		if b, rerr := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"); rerr == nil {
			start = strings.TrimSpace(string(b))
		}
		return errdefs.Invalid("cannot expose privileged port %d: you can add 'net.ipv4.ip_unprivileged_port_start=%d' to /etc/sysctl.conf (currently %s), or choose a larger port number (>= %s)", port, port, start, start)
	case errors.Is(err, unix.EADDRNOTAVAIL):
		return errdefs.Invalid("cannot publish on %s: the host has no address %s", addr, ip)
	}
	return fmt.Errorf("publishing %s: %w", addr, err)
}

// listen opens a listening TCP or bound UDP socket on ip:port and returns
// it with the port it got. Without serve the TCP socket only reserves the
// port for DNAT: it listens, so that no other socket can bind the port,
// but the kernel's DNAT rewrites connections before they reach it. TCP
// sockets take SO_REUSEADDR, so that connections of an earlier server on
// the port in TIME_WAIT do not keep the port from being published.
func listen(proto, ip string, port int, serve bool) (*os.File, int, error) {
	parsed := net.ParseIP(ip)
	family := unix.AF_INET
	var sa unix.Sockaddr
	if v4 := parsed.To4(); v4 != nil {
		s := &unix.SockaddrInet4{Port: port}
		copy(s.Addr[:], v4)
		sa = s
	} else {
		family = unix.AF_INET6
		s := &unix.SockaddrInet6{Port: port}
		copy(s.Addr[:], parsed.To16())
		sa = s
	}
	typ := unix.SOCK_STREAM
	if proto == "udp" {
		typ = unix.SOCK_DGRAM
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, 0, err
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	if typ == unix.SOCK_STREAM {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	}
	if family == unix.AF_INET6 {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return nil, 0, err
	}
	if typ == unix.SOCK_STREAM {
		backlog := 4096
		if !serve {
			backlog = 1 // a reservation: DNAT takes the connections
		}
		if err := unix.Listen(fd, backlog); err != nil {
			return nil, 0, err
		}
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		return nil, 0, err
	}
	switch a := got.(type) {
	case *unix.SockaddrInet4:
		port = a.Port
	case *unix.SockaddrInet6:
		port = a.Port
	}
	ok = true
	return os.NewFile(uintptr(fd), fmt.Sprintf("%s:%s", proto, net.JoinHostPort(ip, fmt.Sprint(port)))), port, nil
}

// Rebind opens the sockets of ports bound before (a forwarder restarted
// after it died), in the same order; dnat as for Bind.
func Rebind(ports []BoundPort, dnat bool) ([]*os.File, error) {
	var files []*os.File
	for _, p := range ports {
		f, _, err := listen(p.Proto, p.HostIP, p.HostPort, !dnat || !DNATPort(p))
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, bindError(PortMapping{HostIP: p.HostIP, HostPort: p.HostPort, Proto: p.Proto}, &bindErr{ip: p.HostIP, port: p.HostPort, err: err})
		}
		files = append(files, f)
	}
	return files, nil
}
