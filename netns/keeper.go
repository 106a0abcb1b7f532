package netns

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/internal/proc"
)

// KeeperRole is the value of _SKIFF_ROLE that makes main call KeeperMain:
// the network keeper of a user (or of root), one per Host.
const KeeperRole = "netkeeper"

// Linger is how long a network stays set up (bridge, DNS responder; the
// rootless namespace and its helper) after its last container left: a
// container started within it reuses the network instead of paying for
// its setup again (rootless, pasta's start: about as much as a whole
// `run --rm true`). Five minutes covers a user reading output or editing
// a file between two commands; what stays meanwhile is idle: pasta
// (about 29 MB, its preallocated tables), the keeper (3 MB of its own
// besides the binary's pages) and no CPU but the keeper's idle polls
// (docs/network.md).
const Linger = 5 * time.Minute

// keeperPoll is how often the keeper looks at the networks while
// containers use them (repairs, the firewall); idlePoll while none does.
const (
	keeperPoll = 250 * time.Millisecond
	idlePoll   = 2 * time.Second
)

// The keeper is started with the first attachment and lives as long as a
// network is set up. It tears down networks that stayed without a
// container for Linger, the rootless namespace and its helper with the
// last of them, and restarts the rootless helper or a DNS responder that
// died (kill -9) while containers use them. It holds nothing the
// containers need: killed, it is started again by the next attachment or
// repair, and skiff rm, network rm and network prune sweep without it.
// As root it also puts skiff's firewall rules back when another program
// took them away or set a drop policy they do not cover yet (a firewall
// reloaded, Docker started): the containers keep their connectivity.

func (h *Host) keeperPath() string { return filepath.Join(h.StateDir, "keeper.json") }

// ensureKeeper starts the keeper unless it runs. The caller holds the
// lock.
func (h *Host) ensureKeeper() error {
	var hp HelperProc
	if readJSONFile(h.keeperPath(), &hp) == nil && hp.Alive() {
		return nil
	}
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"skiff-netkeeper", h.StateDir, strconv.FormatBool(h.Rootless)}
	cmd.Env = []string{"_SKIFF_ROLE=" + KeeperRole}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the network keeper: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	start, _ := proc.StartTime(cmd.Process.Pid)
	return writeJSONFile(h.keeperPath(), &HelperProc{Kind: "keeper", Pid: cmd.Process.Pid, Start: start})
}

// KeeperMain is the keeper's entry point.
func KeeperMain() int {
	setProcName("skiff-netkeeper")
	if len(os.Args) < 3 {
		return 125
	}
	rootless, _ := strconv.ParseBool(os.Args[2])
	h := &Host{StateDir: os.Args[1], Rootless: rootless}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err == nil {
		for _, fd := range []int{0, 1, 2} {
			_ = syscall.Dup2(int(devnull.Fd()), fd)
		}
	}
	_ = os.Chdir("/")
	h.keep()
	return 0
}

// keep is the keeper's loop; it returns when nothing is set up any more.
func (h *Host) keep() {
	idleSince := map[string]time.Time{}
	lastRepair, lastFirewall := time.Now(), time.Now()
	poll := keeperPoll
	for {
		time.Sleep(poll)
		if _, err := os.Stat(h.StateDir); err != nil {
			return // removed under us: nothing to keep, and no lock to take
		}
		nets, _ := h.activeNetworks()
		var used, expired []*Network
		now := time.Now()
		for _, n := range nets {
			pool := h.poolFor(n)
			if live, _ := pool.endpoints(false); len(live) > 0 {
				delete(idleSince, n.ID)
				used = append(used, n)
				continue
			}
			// idle since the keeper first saw it so, or since a container
			// last came or went (its allocation file made or removed),
			// maybe between two polls: whichever is later
			since, ok := idleSince[n.ID]
			if !ok {
				since = now
			}
			if t := pool.changed(); t.After(since) {
				since = t
			}
			idleSince[n.ID] = since
			if now.Sub(since) >= Linger {
				expired = append(expired, n)
			}
		}
		poll = keeperPoll
		if len(used) == 0 {
			poll = idlePoll
		}
		if len(nets) == 0 && !(h.Rootless && IsPinned(h.NSPath())) {
			h.forget()
			return
		}
		if len(expired) > 0 && h.sweepExpired(expired) {
			return
		}
		if !h.Rootless && len(nets) > 0 && now.Sub(lastFirewall) >= time.Second {
			lastFirewall = now
			if !firewallInPlace(nets) && h.restoreFirewall() != nil {
				lastFirewall = now.Add(30 * time.Second) // no retry every second
			}
			SweepDNAT() // port tables of containers killed with their forwarder
		}
		if len(used) > 0 && now.Sub(lastRepair) >= time.Second {
			lastRepair = now
			if h.NeedsRepair(used) {
				_ = h.Repair(used)
			}
		}
	}
}

// restoreFirewall rebuilds skiff's rules after another program changed
// the host's firewall under them (root only: the rootless namespace is
// skiff's alone).
func (h *Host) restoreFirewall() error {
	unlock, err := h.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return h.refreshFirewall()
}

// sweepExpired tears down the expired networks that are still unused,
// and reports (with the keeper's record removed) when nothing is left to
// keep.
func (h *Host) sweepExpired(expired []*Network) (done bool) {
	unlock, err := h.lock()
	if err != nil {
		return false
	}
	defer unlock()
	only := map[string]bool{}
	for _, n := range expired {
		only[n.ID] = true
	}
	h.sweepLocked(only)
	if nets, _ := h.activeNetworks(); len(nets) > 0 {
		return false
	}
	h.forget()
	return true
}

// forget removes the keeper's record if it is this process's.
func (h *Host) forget() {
	var hp HelperProc
	if readJSONFile(h.keeperPath(), &hp) == nil && hp.Pid == os.Getpid() {
		os.Remove(h.keeperPath())
	}
}
