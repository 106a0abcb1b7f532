package netns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ensureNamespace brings up the rootless network namespace and its
// outward helper, or restarts a helper that died (kill -9). The caller
// holds the lock.
func (h *Host) ensureNamespace() error {
	ns := h.NSPath()
	created := false
	if !IsPinned(ns) {
		if old := h.helper(); old != nil {
			old.Stop()
		}
		if err := Create(ns); err != nil {
			return fmt.Errorf("creating the rootless network namespace: %w", err)
		}
		if err := writeSysctl(ns, "net/ipv4/ip_forward", "1"); err != nil {
			Remove(ns)
			return fmt.Errorf("enabling forwarding in the rootless network namespace: %w", err)
		}
		created = true
	}
	if h.helper().Alive() {
		return nil
	}
	kind, err := PreferredHelper()
	if err == nil {
		var hp *HelperProc
		if hp, err = StartHelper(kind, ns, nil); err == nil {
			return writeJSONFile(filepath.Join(h.StateDir, "helper.json"), hp)
		}
	}
	if created {
		Remove(ns) // nothing uses a namespace without its way out yet
	}
	return err
}

// helper is the rootless namespace's outward helper as last recorded, or
// nil.
func (h *Host) helper() *HelperProc {
	var hp HelperProc
	if readJSONFile(filepath.Join(h.StateDir, "helper.json"), &hp) != nil {
		return nil
	}
	return &hp
}

// stopNamespace stops the helper and removes the rootless namespace: no
// container needs them any more. The caller holds the lock.
func (h *Host) stopNamespace() {
	if hp := h.helper(); hp != nil {
		hp.Signal()
		os.Remove(filepath.Join(h.StateDir, "helper.json"))
	}
	Remove(h.NSPath())
}

// HelperDNS is where containers behind the rootless namespace reach the
// outward helper's DNS forwarder, or "" as root or with no helper.
func (h *Host) HelperDNS() string {
	if !h.Rootless {
		return ""
	}
	if hp := h.helper(); hp != nil {
		return hp.DNS
	}
	if kind, err := PreferredHelper(); err == nil && kind == Slirp4netns {
		return slirpDNS
	}
	return pastaDNS
}

const ipForward = "/proc/sys/net/ipv4/ip_forward"

// enableForwarding turns on IPv4 forwarding on the host for outbound NAT,
// remembering the value it found so the last bridge can restore it.
func (h *Host) enableForwarding() error {
	b, err := os.ReadFile(ipForward)
	if err != nil {
		return err
	}
	cur := strings.TrimSpace(string(b))
	if cur == "1" {
		return nil
	}
	saved := filepath.Join(h.StateDir, "ip_forward.saved")
	if _, err := os.Stat(saved); err != nil {
		if err := os.WriteFile(saved, []byte(cur+"\n"), 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(ipForward, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enabling IPv4 forwarding for outbound traffic: %w", err)
	}
	return nil
}

// restoreForwarding puts back the forwarding setting enableForwarding
// found, once no bridge is left.
func (h *Host) restoreForwarding() {
	saved := filepath.Join(h.StateDir, "ip_forward.saved")
	b, err := os.ReadFile(saved)
	if err != nil {
		return
	}
	_ = os.WriteFile(ipForward, b, 0o644)
	os.Remove(saved)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
