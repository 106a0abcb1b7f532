package system

import (
	"fmt"
	"os"

	"github.com/skiff-containers/skiff/internal/hostcheck"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/network"
	"github.com/skiff-containers/skiff/storage/image"
)

// repairFix is what fixes every finding of the store section.
const repairFix = "run: skiff system check --repair"

// StoreConsistency checks what a killed command can leave in the store:
// container directories without a record, records without a root
// filesystem, root filesystems without a record, names pointing to no
// container, mounts, network namespaces and runtime state of stopped
// containers (a monitor that died) and of containers without a record,
// mounts under the store that belong to no container, layers no image or
// container uses, what a pull or load killed before it named its image
// leaves (its pin, the image when an rmi took its name meanwhile), addresses leased to containers that are gone, bridges
// and veths (and, rootless, the network namespace) that belong to no
// network or container, and, as root, published ports' DNAT tables whose
// port forwarder is gone. With repair it removes them, and the section
// lists what it removed; what it could not remove stays a finding.
func StoreConsistency(e *engine.Engine, repair bool) (CheckSection, error) {
	sec := CheckSection{Title: "Store (" + e.Root() + ")"}
	var fail error
	add := func(check string, found []string, fix func(i int) error) {
		res := hostcheck.Result{Check: check, Findings: []hostcheck.Finding{}}
		for i, what := range found {
			if repair {
				err := fix(i)
				if err == nil {
					sec.Repaired = append(sec.Repaired, what)
					continue
				}
				what = fmt.Sprintf("%s (repair failed: %v)", what, err)
			}
			res.Findings = append(res.Findings, hostcheck.Finding{Severity: hostcheck.Problem, Cause: what, Fix: repairFix})
		}
		sec.Results = append(sec.Results, res)
	}

	left, err := container.Leftovers(e)
	if err != nil {
		return sec, err
	}
	whats := make([]string, len(left))
	for i, l := range left {
		whats[i] = l.What
	}
	add("containers: records, root filesystems and names agree", whats, func(i int) error { return left[i].Repair() })

	s, err := e.Store()
	if err != nil {
		return sec, err
	}
	layers, busy, err := image.UnusedLayers(s)
	if err != nil {
		fail = err
	}
	var lw []string
	if n := len(layers); n > 0 && !busy {
		lw = append(lw, fmt.Sprintf("%d layer(s) in storage belong to no image or container (an interrupted pull, load, import, build or commit)", n))
	}
	add("layers: every layer belongs to an image or container", lw, func(int) error {
		_, busy, err := image.RemoveUnusedLayers(s)
		if err == nil && busy {
			err = fmt.Errorf("a pull, load or build is running: try again when it ends")
		}
		return err
	})

	killed, busy, err := image.KilledPulls(s, false)
	if err != nil && fail == nil {
		fail = err
	}
	var kw []string
	for _, k := range killed {
		if k.Unnamed {
			kw = append(kw, fmt.Sprintf("image %s has no name: a pull or load of it was killed after an rmi removed its last name", image.ShortID(k.ID)))
		} else {
			kw = append(kw, fmt.Sprintf("pin file of image %s left by a pull or load that was killed", image.ShortID(k.ID)))
		}
	}
	if busy {
		kw = nil
	}
	add("images: no pull or load was killed half-way", kw, func(int) error {
		_, busy, err := image.KilledPulls(s, true)
		if err == nil && busy {
			err = fmt.Errorf("a pull, load or build is running: try again when it ends")
		}
		return err
	})

	h := network.Bridges(e)
	gone := func(id, stateDir string) bool {
		mine := e.StateDir("containers", id)
		if stateDir != "" && stateDir != mine {
			return false // another installation's (--root) container
		}
		_, err := os.Stat(mine)
		return os.IsNotExist(err)
	}
	leases := h.StaleLeases(gone)
	add("networks: addresses are leased to existing containers", leases, func(int) error { h.Sweep(); return nil })
	links, err := h.OrphanLinks()
	if err != nil && fail == nil {
		fail = err
	}
	add("networks: every bridge and veth belongs to a network or container", links, func(int) error { return h.RemoveOrphanLinks() })
	if !e.Rootless() {
		// the host's, whatever installation made them: their holder's
		// pid and start time say whether they are still held
		tables, err := netns.StaleDNAT()
		if err != nil && fail == nil {
			fail = err
		}
		add("published ports: every DNAT port table belongs to a running container", tables, func(int) error { return netns.RemoveStaleDNAT() })
	}
	return sec, fail
}
