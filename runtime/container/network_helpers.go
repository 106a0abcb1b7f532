package container

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/flock"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/network"
)

// The network helpers of a running container are processes of their own:
// the port forwarder (it lives as long as the container's monitor), a
// private pasta or slirp4netns, and the shared ones (the rootless
// namespace's helper, the networks' DNS responders). Nothing supervises
// them while the container runs; a helper found dead is restarted by the
// next skiff command that looks the container up (repairNetwork) or starts
// a container on the network.

func forwarderPath(runDir string) string { return filepath.Join(runDir, "forwarder.json") }

// networkStarted hands the published-port sockets start bound to a port
// forwarder once the monitor runs (err == nil); either way the CLI's
// copies are closed.
func (c *Container) networkStarted(err error) {
	defer c.closePorts()
	if err != nil {
		return
	}
	rt := c.loadNetRuntime()
	if rt == nil {
		return
	}
	if rt.Deferred {
		if err := c.connectDeferred(rt); err != nil {
			logrus.Warnf("container %s runs without its network: %v", c.Name, err)
			return
		}
	}
	if len(c.ports) == 0 {
		return
	}
	if err := c.startForwarder(rt, c.ports); err != nil {
		logrus.Warnf("published ports of %s do not work: %v", c.Name, err)
	}
}

// connectDeferred pins and connects the network namespace the init of a
// container with a user namespace of its own created.
func (c *Container) connectDeferred(rt *netRuntime) error {
	if err := netns.Pin(fmt.Sprintf("/proc/%d/ns/net", c.State.Pid), rt.Pin); err != nil {
		return err
	}
	if err := c.connect(c.netConfig(), rt); err != nil {
		return err
	}
	rt.Deferred = false
	if err := c.saveNetRuntime(rt); err != nil {
		return err
	}
	return c.writeNetworkFiles(c.RunDir(), rt)
}

func (c *Container) closePorts() {
	for _, f := range c.ports {
		f.Close()
	}
	c.ports = nil
}

// startForwarder starts the container's port forwarder and, when the
// kernel publishes the ports (rt.DNAT), puts their DNAT rules in place
// under the forwarder's name: they live as long as it holds the ports.
func (c *Container) startForwarder(rt *netRuntime, files []*os.File) error {
	cfg := &netns.ForwardConfig{
		NetNS: rt.Pin, Target: rt.target(), Ports: rt.Ports,
		Watch: c.State.MonitorPid, WatchStart: c.State.MonitorStart, DNAT: rt.DNAT,
	}
	hp, err := netns.StartForwarder(cfg, files)
	if err != nil {
		return err
	}
	if err := writeJSON(forwarderPath(c.RunDir()), hp); err != nil {
		return err
	}
	return c.addDNAT(rt, hp)
}

// addDNAT puts the DNAT rules of the ports hp holds in place.
func (c *Container) addDNAT(rt *netRuntime, hp *netns.HelperProc) error {
	rules, err := c.dnatRules(rt)
	if rules == nil || err != nil {
		return err
	}
	return netns.AddDNAT(netns.DNATTable(hp.Pid, hp.Start), rules)
}

// dnatRules are the kernel's share of the container's published ports:
// its IPv4 ports, to its address on its primary network; nil when the
// forwarder serves them all.
func (c *Container) dnatRules(rt *netRuntime) (*netns.DNATRules, error) {
	if !rt.DNAT || len(rt.Endpoints) == 0 {
		return nil, nil
	}
	var ports []netns.BoundPort
	for _, p := range rt.Ports {
		if netns.DNATPort(p) {
			ports = append(ports, p)
		}
	}
	if len(ports) == 0 {
		return nil, nil
	}
	ep := rt.Endpoints[0]
	n, err := network.Lookup(c.e, ep.NetworkID)
	if err != nil {
		return nil, err
	}
	nn := n.Netns()
	return &netns.DNATRules{Bridge: nn.Bridge, Veth: ep.HostIfName, Subnet: nn.Subnet, Target: ep.IP, Ports: ports}, nil
}

// stopForwarder ends the container's port forwarder, its DNAT rules
// first: the ports stay reserved until the rules are gone.
func (c *Container) stopForwarder() {
	var hp netns.HelperProc
	if readJSON(forwarderPath(c.RunDir()), &hp) == nil {
		if !c.e.Rootless() {
			netns.RemoveDNAT(netns.DNATTable(hp.Pid, hp.Start))
		}
		hp.Stop()
	}
	os.Remove(forwarderPath(c.RunDir()))
}

// repairNetwork restarts the network helpers of a running container that
// died (kill -9): its port forwarder (the ports are bound again), its
// private pasta or slirp4netns, the rootless namespace's helper and its
// networks' DNS responders. The container itself kept running. What
// cannot be restarted is reported as a warning.
func (c *Container) repairNetwork() {
	if !c.State.Running() || c.State.Status == StatusRestarting {
		return
	}
	rt := c.loadNetRuntime()
	if rt == nil || rt.Pin == "" || !netns.IsPinned(rt.Pin) || !proc.Alive(c.State.MonitorPid, c.State.MonitorStart) {
		return
	}
	if len(rt.Ports) > 0 || rt.Helper != nil {
		c.withNetLock(func() { c.repairOwnHelpers() })
	}
	nets := endpointNetworks(rt)
	h := network.Bridges(c.e)
	if len(nets) > 0 && h.NeedsRepair(nets) {
		if err := h.Repair(nets); err != nil {
			logrus.Warnf("the network of container %s needs repair: %v", c.Name, err)
		}
	}
}

// repairOwnHelpers restarts the container's own helpers; the caller holds
// the container's network lock.
func (c *Container) repairOwnHelpers() {
	rt := c.loadNetRuntime()
	if rt == nil {
		return
	}
	var fwd netns.HelperProc
	if len(rt.Ports) > 0 && (readJSON(forwarderPath(c.RunDir()), &fwd) != nil || !fwd.Alive()) {
		files, err := netns.Rebind(rt.Ports, rt.DNAT)
		if err == nil {
			err = c.startForwarder(rt, files)
			for _, f := range files {
				f.Close()
			}
		}
		if rt.DNAT && fwd.Pid > 0 {
			// the dead forwarder's rules, now that the new ones are in
			netns.RemoveDNAT(netns.DNATTable(fwd.Pid, fwd.Start))
		}
		if err != nil {
			logrus.Warnf("the port forwarder of container %s died and cannot be restarted: %v", c.Name, err)
		}
	} else if rt.DNAT && fwd.Alive() && !netns.HasDNAT(netns.DNATTable(fwd.Pid, fwd.Start)) {
		// removed by someone else (nft flush ruleset, a firewall reload)
		if err := c.addDNAT(rt, &fwd); err != nil {
			logrus.Warnf("the published ports of container %s cannot be restored: %v", c.Name, err)
		}
	}
	if rt.Helper != nil && !rt.Helper.Alive() {
		hp, err := netns.StartHelper(rt.Mode, rt.Pin, c.netConfig().HelperOptions)
		if err != nil {
			logrus.Warnf("%s of container %s died and cannot be restarted: %v", rt.Mode, c.Name, err)
			return
		}
		rt.Helper = hp
		_ = c.saveNetRuntime(rt)
	}
}

// withNetLock runs fn holding the lock of the container's network
// helpers (not the container's lock: repairs happen inside lookups).
func (c *Container) withNetLock(fn func()) {
	f, err := os.OpenFile(filepath.Join(c.RunDir(), "network.lock"), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	if flock.Lock(f, unix.LOCK_EX, "container "+c.ID[:12]+"'s network lock") != nil {
		return
	}
	fn()
}

// sweepNetworks runs after rm: what the removed container left unused
// (its bridge, the rootless namespace and helper) goes at once, not after
// the keeper's linger (RemoveOptions.AfterExit).
func (c *Container) sweepNetworks() {
	if c.netConfig().Mode != ModeBridge {
		return
	}
	network.Bridges(c.e).Sweep()
}

// endpointNetworks are the bridge networks of a started container.
func endpointNetworks(rt *netRuntime) []*netns.Network {
	var out []*netns.Network
	for _, ep := range rt.Endpoints {
		out = append(out, &netns.Network{ID: ep.NetworkID, Name: ep.NetworkName, DNS: len(ep.DNSNames) > 0})
	}
	return out
}
