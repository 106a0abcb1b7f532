package netns

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/internal/hostcheck"
	"github.com/skiff-containers/skiff/internal/proc"
)

// Outward helpers: programs that connect a network namespace to the
// outside world without privileges.
const (
	Pasta       = "pasta"
	Slirp4netns = "slirp4netns"
)

// Addresses the helpers answer DNS on, inside the namespace they serve.
const (
	pastaDNS = "169.254.1.1"
	slirpDNS = "10.0.2.3"
)

// Helper is an external program skiff uses for rootless networking.
type Helper struct {
	Name string
	Path string // "" when not installed
}

// Helpers lists the outward network helpers in order of preference.
func Helpers() []Helper {
	var out []Helper
	for _, n := range []string{Pasta, Slirp4netns} {
		p, _ := exec.LookPath(n)
		out = append(out, Helper{Name: n, Path: p})
	}
	return out
}

// PreferredHelper is the helper the shared rootless namespace uses: pasta
// when installed, else slirp4netns.
func PreferredHelper() (string, error) {
	for _, h := range Helpers() {
		if h.Path != "" {
			return h.Name, nil
		}
	}
	return "", hostcheck.Explain(errors.New("rootless networking needs pasta or slirp4netns: install the passt package"), hostcheck.NetworkHelpers(true))
}

// HelperProc is a running outward helper (or DNS responder): enough to
// tell it alive from a reused pid, and what it offers.
type HelperProc struct {
	Kind  string
	Pid   int
	Start uint64
	// DNS is where the helper answers DNS inside the namespace it serves.
	DNS string `json:",omitempty"`
}

// Alive reports whether the helper process still runs.
func (p *HelperProc) Alive() bool {
	return p != nil && p.Pid > 0 && proc.Alive(p.Pid, p.Start)
}

// Signal asks the helper to end (SIGTERM) without waiting: pasta and
// slirp4netns take tens of milliseconds to tear down their tap device.
func (p *HelperProc) Signal() {
	if p.Alive() {
		_ = syscall.Kill(p.Pid, syscall.SIGTERM)
	}
}

// Stop ends the helper: SIGTERM, then SIGKILL after a moment.
func (p *HelperProc) Stop() {
	if !p.Alive() {
		return
	}
	_ = syscall.Kill(p.Pid, syscall.SIGTERM)
	for i := 0; i < 100 && p.Alive(); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if p.Alive() {
		_ = syscall.Kill(p.Pid, syscall.SIGKILL)
	}
}

// stopStrays ends the outward helpers serving the namespace pinned at
// nsPath that no record names, and removes their pid files: a command
// killed (kill -9) between starting a helper and recording it leaves
// one holding the namespace's tap device, and every later helper then
// fails ("Failed to open tun socket in namespace"). The caller holds the
// lock, so no other command is starting one.
func stopStrays(nsPath string) {
	strays := findProcs(func(_ int, args []string) bool {
		switch filepath.Base(args[0]) {
		case Pasta, "passt", "passt.avx2", Slirp4netns:
			return slices.Contains(args[1:], nsPath)
		}
		return false
	})
	for _, hp := range strays {
		hp.Stop()
	}
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(nsPath), ".pasta.*.pid"))
	for _, f := range stale {
		os.Remove(f)
	}
}

// findProcs returns the processes other than this one whose command line
// (split at NULs, never empty) match accepts.
func findProcs(match func(pid int, args []string) bool) []*HelperProc {
	var found []*HelperProc
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		if !match(pid, strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")) {
			continue
		}
		if start, err := proc.StartTime(pid); err == nil {
			found = append(found, &HelperProc{Pid: pid, Start: start})
		}
	}
	return found
}

// StartHelper connects the network namespace pinned at nsPath outward
// through kind (Pasta or Slirp4netns), with the user's extra options
// (--network pasta:OPTS), and returns once the namespace is configured.
// The helper is detached: it outlives the caller and ends when stopped
// (pasta also when the pin goes away).
func StartHelper(kind, nsPath string, opts []string) (*HelperProc, error) {
	switch kind {
	case Pasta:
		return startPasta(nsPath, opts)
	case Slirp4netns:
		return startSlirp(nsPath, opts)
	}
	return nil, fmt.Errorf("unknown network helper %q", kind)
}

func startPasta(nsPath string, opts []string) (*HelperProc, error) {
	bin, err := exec.LookPath(Pasta)
	if err != nil {
		return nil, helperMissing(Pasta, err)
	}
	dir := filepath.Dir(nsPath)
	pidFile := filepath.Join(dir, fmt.Sprintf(".pasta.%d.pid", os.Getpid()))
	defer os.Remove(pidFile)
	args := []string{"--config-net", "--netns", nsPath, "--no-map-gw", "-t", "none", "-u", "none",
		"-T", "none", "-U", "none", "--quiet", "--pid", pidFile}
	dns := ""
	if servers, _, _ := hostResolvers(false); len(servers) == 0 {
		// Only when the host's resolvers are all on its loopback: this
		// pasta (2023) answers forwarded queries in a way that breaks
		// queries sent to the host's resolvers directly.
		dns = pastaDNS
		args = append(args, "--dns-forward", dns)
	}
	if realRoot() {
		// pasta drops to nobody, who cannot open a namespace under the
		// root-only runtime directory
		args = append(args, "--runas", "0:0")
	}
	args = append(args, opts...)
	cmd := exec.Command(bin, args...)
	out, err := runLogged(cmd, filepath.Join(dir, "pasta.log"))
	if err != nil {
		// pasta needs a default route to copy ("External interface not
		// usable"), in this namespace: the host's
		return nil, hostcheck.Explain(fmt.Errorf("pasta %s failed: %s: %w", strings.Join(args, " "), out, err),
			hostcheck.Tun(), hostcheck.DefaultRoute(true))
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil, fmt.Errorf("pasta wrote no pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("pasta pid file: %w", err)
	}
	start, err := proc.StartTime(pid)
	if err != nil {
		return nil, fmt.Errorf("pasta died after starting: %s", out)
	}
	return &HelperProc{Kind: Pasta, Pid: pid, Start: start, DNS: dns}, nil
}

// helperMissing is the error for a helper not on PATH.
func helperMissing(name string, err error) error {
	if f := hostcheck.MissingHelper(name); f != nil {
		return &hostcheck.Error{Finding: *f, Err: err}
	}
	return err
}

// helperFailed explains a helper that exited instead of connecting the
// namespace by what it needed from the host (its own words stay in the
// chain: --debug, pasta.log, slirp4netns.log).
func helperFailed(err error) error {
	return hostcheck.Explain(err, hostcheck.Tun())
}

// runLogged runs a daemonising command with stdout and stderr in a file
// (a pipe would be held open by the daemon) and returns what it wrote.
func runLogged(cmd *exec.Cmd, logPath string) (string, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Run()
	b, _ := os.ReadFile(logPath)
	return strings.TrimSpace(string(b)), err
}

// realRoot reports whether the process is root of the initial user
// namespace (not root of a rootless user namespace).
func realRoot() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	f := strings.Fields(string(b))
	return err == nil && os.Geteuid() == 0 && len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// slirpOptions turns podman's slirp4netns:OPTS into arguments.
func slirpOptions(opts []string) (args []string, hostLoopback bool, err error) {
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "allow_host_loopback":
			hostLoopback = v == "true"
		case "mtu":
			if _, err := strconv.Atoi(v); err != nil {
				return nil, false, fmt.Errorf("invalid slirp4netns option %q", o)
			}
			args = append(args, "--mtu="+v)
		case "cidr":
			args = append(args, "--cidr="+v)
		case "enable_ipv6":
			if v == "true" {
				args = append(args, "--enable-ipv6")
			}
		case "outbound_addr":
			args = append(args, "--outbound-addr="+v)
		default:
			return nil, false, fmt.Errorf("unknown slirp4netns option %q: use allow_host_loopback, mtu, cidr, enable_ipv6 or outbound_addr", o)
		}
	}
	return args, hostLoopback, nil
}

func startSlirp(nsPath string, opts []string) (*HelperProc, error) {
	bin, err := exec.LookPath(Slirp4netns)
	if err != nil {
		return nil, helperMissing(Slirp4netns, err)
	}
	extra, loopback, err := slirpOptions(opts)
	if err != nil {
		return nil, err
	}
	args := []string{"--configure", fmt.Sprintf("--mtu=%d", RootlessMTU), "--ready-fd=3", "--netns-type=path"}
	if !loopback {
		args = append(args, "--disable-host-loopback")
	}
	args = append(append(args, extra...), nsPath, "tap0")
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyR.Close()
	logPath := filepath.Join(filepath.Dir(nsPath), "slirp4netns.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		readyW.Close()
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return nil, fmt.Errorf("starting slirp4netns: %w", err)
	}
	go func() { _ = cmd.Wait() }() // reap it if it ends while we live
	buf := make([]byte, 1)
	_ = readyR.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, _ := readyR.Read(buf); n != 1 || buf[0] != '1' {
		_ = cmd.Process.Kill()
		log, _ := os.ReadFile(logPath)
		return nil, helperFailed(fmt.Errorf("slirp4netns %s failed: %s", strings.Join(args, " "), bytes.TrimSpace(log)))
	}
	start, _ := proc.StartTime(cmd.Process.Pid)
	return &HelperProc{Kind: Slirp4netns, Pid: cmd.Process.Pid, Start: start, DNS: slirpDNS}, nil
}
