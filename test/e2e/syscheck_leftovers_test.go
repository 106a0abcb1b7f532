package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSystemCheckNetworkAndMountLeftovers makes by hand what a kill -9
// at the wrong moment leaves beside a running container: the runtime
// directory of a container without a record, holding a pinned network
// namespace; a bridge of skiff's and a veth on the network's bridge that
// belong to no network or container; a mount under the store that
// belongs to no container. system check reports each, --repair removes
// them, and the running container is left alone. (As root, system check
// judges the host's skiff bridges and veths whatever installation made
// them: they are shared.)
func TestSystemCheckNetworkAndMountLeftovers(t *testing.T) {
	Require(t, "busybox", "hostroot")
	if suite.mode == ModeRootless {
		// As root the bridges are the host's, shared by every
		// installation: another test's system check --repair would
		// remove these leftovers first. Not parallel, it runs alone.
		t.Parallel()
	}
	e := New(t)
	img := e.LoadBusybox()
	net := netName(t, "orph")
	e.Skiff("network", "create", net).Success(t)
	e.Skiff("run", "-d", "--name", "a", "--network", net, img, "sleep", "300").Success(t)
	bridge := "skiff" + e.Skiff("network", "inspect", "--format", "{{.ID}}", net).Success(t).Out()[:10]

	// where the bridges live: the host's namespace as root, the user's
	// rootless network namespace otherwise, entered as the host's root
	// (its pin is a mount in the pause process's mount namespace)
	inNS := func(args ...string) []string {
		if !e.Rootless {
			return args
		}
		pause, _ := e.pauseProcess()
		return append([]string{"nsenter", "-t", strconv.Itoa(pause), "-m", "nsenter", "--net=" + filepath.Join(e.netStateDir(), "ns")}, args...)
	}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	hexes := func(n int) string {
		b := make([]byte, n)
		rand.Read(b)
		return hex.EncodeToString(b)
	}
	orphanBridge, orphanVeth := "skiff"+hexes(5), "veth"+hexes(6)[:11]
	run(inNS("ip", "link", "add", orphanBridge, "type", "bridge")...)
	run(inNS("ip", "link", "add", orphanVeth, "type", "veth", "peer", "name", "p"+orphanVeth[4:])...)
	run(inNS("ip", "link", "set", orphanVeth, "master", bridge)...)
	// a runtime directory with a pinned network namespace, and a mount
	// under the store, in skiff's mount namespace (skiff unshare: the
	// user's rootless one, the host's as root)
	id := hexes(32)
	runDir := filepath.Join(e.RunRoot, "skiff", "containers", id)
	stray := filepath.Join(e.Root, "overlay", hexes(32), "merged")
	e.Skiff("unshare", "sh", "-c", "mkdir -p "+runDir+" "+stray+" && touch "+runDir+"/netns && unshare --net="+runDir+"/netns true && "+
		"mount -t tmpfs tmpfs "+stray).Success(t)

	found := strings.Join(storeFindings(t, e), "\n")
	for _, want := range []string{"runtime directory of container " + id[:12], "bridge " + orphanBridge + " belongs to no network",
		"veth " + orphanVeth + " belongs to no network", "mount " + stray + " belongs to no container"} {
		if !strings.Contains(found, want) {
			t.Errorf("system check does not report %q:\n%s", want, found)
		}
	}
	if strings.Contains(found, bridge) || strings.Contains(found, "container "+e.Skiff("inspect", "--format", "{{.Id}}", "a").Out()[:12]) {
		t.Errorf("system check reports the running container's network or container:\n%s", found)
	}
	storeFindings(t, e, "--repair")
	if left := storeFindings(t, e); len(left) > 0 {
		t.Errorf("after --repair, system check finds: %s", strings.Join(left, "; "))
	}
	for _, link := range []string{orphanBridge, orphanVeth} {
		if err := exec.Command(inNS("ip", "link", "show", link)[0], inNS("ip", "link", "show", link)[1:]...).Run(); err == nil {
			t.Errorf("%s is still there after --repair", link)
		}
	}
	pause, _ := e.pauseProcess()
	for _, m := range e.allMounts(pause) {
		if strings.HasPrefix(m, runDir) || m == stray {
			t.Errorf("mount %s is still there after --repair", m)
		}
	}
	// the container and its network were left alone
	e.Skiff("exec", "a", "true").Success(t)
	run(inNS("ip", "link", "show", bridge)...)
	e.Skiff("rm", "-f", "a").Success(t)
	e.Skiff("network", "rm", net).Success(t)
}
