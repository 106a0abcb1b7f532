package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// webCmd is a busybox web server on port 80 serving body.
func webCmd(body string) []string {
	return []string{"sh", "-c", "mkdir -p /w && echo " + body + " > /w/index.html && exec httpd -f -p 80 -h /w"}
}

// A pod as users combine it: its infra holds the namespaces (no image
// pulled for it), the ports belong to the pod, members reach each other
// on localhost and share the pod's host name, ps --pod and pod ps show
// it, and the verbs act on every member.
func TestPodLifecycle(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	port := freePort(t)
	id := e.Skiff("pod", "create", "--name", "shop", "-p", fmt.Sprintf("127.0.0.1:%d:80", port),
		"--hostname", "shophost", "--label", "tier=front").Success(t).Out()
	if len(id) != 64 {
		t.Fatalf("pod create printed %q", id)
	}
	if n := len(e.Skiff("images", "-q").Success(t).Lines()); n != 1 {
		t.Errorf("the infra pulled or made an image: %d images", n)
	}
	e.Skiff(append([]string{"run", "-d", "--pod", "shop", "--name", "web", BusyboxImage}, webCmd("from-the-pod")...)...).Success(t)
	e.Skiff("run", "-d", "--pod", "shop", "--name", "side", BusyboxImage, "sleep", "600").Success(t)
	// the published port is the pod's, the web member serves it
	waitUntil(t, 20*time.Second, "the pod's port serves", func() bool {
		body, _ := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
		return strings.TrimSpace(body) == "from-the-pod"
	})
	// members share the network (localhost) and the host name
	if out := e.Skiff("exec", "side", "wget", "-qO-", "http://127.0.0.1/").Success(t).Out(); out != "from-the-pod" {
		t.Errorf("side member got %q from localhost", out)
	}
	if out := e.Skiff("exec", "side", "hostname").Success(t).Out(); out != "shophost" {
		t.Errorf("hostname in the pod: %q", out)
	}
	// the infra is skiff's own pause process
	top := e.Skiff("pod", "top", "shop").Success(t).Stdout
	for _, want := range []string{"/pause", "httpd -f -p 80", "sleep 600"} {
		if !strings.Contains(top, want) {
			t.Errorf("pod top lacks %q:\n%s", want, top)
		}
	}
	ps := e.Skiff("ps", "--pod", "--format", "{{.Names}} {{.PodName}}").Success(t).Stdout
	for _, want := range []string{"web shop", "side shop"} {
		if !strings.Contains(ps, want) {
			t.Errorf("ps --pod lacks %q:\n%s", want, ps)
		}
	}
	if out := e.Skiff("ps", "-q", "--filter", "pod=shop").Success(t).Lines(); len(out) != 3 {
		t.Errorf("ps --filter pod=shop: %v (want web, side and the infra)", out)
	}
	if out := e.Skiff("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}}").Success(t).Out(); out != "shop Running 3" {
		t.Errorf("pod ps: %q", out)
	}
	if out := e.Skiff("pod", "ls", "-q", "--filter", "label=tier=front").Success(t).Out(); out != id[:12] {
		t.Errorf("pod ls -q --filter label: %q", out)
	}
	if out := e.Skiff("pod", "inspect", "--format", "{{.Name}} {{.Hostname}} {{len .Containers}} {{index .Labels \"tier\"}}", "shop").Success(t).Out(); out != "shop shophost 3 front" {
		t.Errorf("pod inspect: %q", out)
	}
	if out := e.Skiff("pod", "logs", "--container", "web", "shop").Success(t).Stdout; out != "" {
		t.Logf("pod logs: %q", out)
	}
	e.Skiff("pod", "exists", "shop").Success(t)
	e.Skiff("pod", "exists", "nosuch").Fail(t, 1, "")
	// pause and unpause freeze every member, where skiff has a freezer
	if canLimit() {
		e.Skiff("pod", "pause", "shop").Success(t)
		if st := inspectField(e, "web", "{{.State.Status}}"); st != "paused" {
			t.Errorf("web after pod pause: %s", st)
		}
		e.Skiff("pod", "unpause", "shop").Success(t)
	} else {
		e.Skiff("pod", "pause", "shop").Fail(t, 125, "skiff needs a cgroup freezer")
	}
	// stop stops all, start brings the pod back serving
	e.Skiff("pod", "stop", "-t", "1", "shop").Success(t)
	for _, c := range []string{"web", "side"} {
		if st := inspectField(e, c, "{{.State.Status}}"); st != "exited" {
			t.Errorf("%s after pod stop: %s", c, st)
		}
	}
	e.Skiff("pod", "start", "shop").Success(t)
	waitUntil(t, 20*time.Second, "the restarted pod serves", func() bool {
		body, _ := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
		return strings.TrimSpace(body) == "from-the-pod"
	})
	e.Skiff("pod", "restart", "-t", "1", "shop").Success(t)
	waitStatus(e, "side", "running")
	e.Skiff("pod", "kill", "shop").Success(t)
	waitStatus(e, "side", "exited")
	// a running member keeps rm from removing the pod unless -f
	e.Skiff("pod", "start", "shop").Success(t)
	e.Skiff("pod", "rm", "shop").Fail(t, 125, "")
	e.Skiff("pod", "rm", "-f", "shop").Success(t)
	if left := psAll(e); len(left) != 0 {
		t.Errorf("pod rm -f left %v", left)
	}
	// --pod new:NAME makes the pod; prune removes the stopped ones
	e.Skiff("run", "--pod", "new:oneshot", "--name", "once", BusyboxImage, "true").Success(t)
	e.Skiff("pod", "stop", "oneshot").Success(t)
	e.Skiff("pod", "prune", "-f").Success(t)
	if out := e.Skiff("pod", "ps", "-q").Success(t).Out(); out != "" {
		t.Errorf("pod prune left %q", out)
	}
	noContainers(e)
}

// Bad input to pods: one line, exit 125, nothing made.
func TestPodFaults(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	e.Skiff("run", "--pod", "nosuch", BusyboxImage, "true").Fail(t, 125, "nosuch")
	e.Skiff("pod", "create", "--name", "p", "--share", "bogus").Fail(t, 125, "bogus")
	e.Skiff("pod", "create", "--name", "p").Success(t)
	e.Skiff("pod", "create", "--name", "p").Fail(t, 125, "p")
	// a pod's ports are the pod's: a member cannot publish its own
	e.Skiff("run", "--pod", "p", "-p", "8080:80", BusyboxImage, "true").Fail(t, 125, "")
	e.Skiff("pod", "inspect", "nosuch").Fail(t, 125, "nosuch")
	e.Skiff("pod", "rm", "-f", "p").Success(t)
	noContainers(e)
}

// --share pid gives the members one process tree (the infra is PID 1);
// --infra=false makes a pod whose members share nothing; --network puts
// the pod's infra, and so its members, on a network of the user's.
func TestPodShare(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	e.Skiff("pod", "create", "--name", "pids", "--share", "ipc,net,uts,pid").Success(t)
	e.Skiff("run", "-d", "--pod", "pids", "--name", "sleeper", BusyboxImage, "sleep", "600").Success(t)
	ps := e.Skiff("run", "--rm", "--pod", "pids", BusyboxImage, "ps", "-o", "pid,args").Success(t).Stdout
	if !strings.Contains(ps, "1 /pause") || !strings.Contains(ps, "sleep 600") {
		t.Errorf("ps in a pod sharing pid:\n%s", ps)
	}
	if out := e.Skiff("pod", "inspect", "--format", "{{.SharedNamespaces}}", "pids").Success(t).Out(); !strings.Contains(out, "pid") {
		t.Errorf("pod inspect SharedNamespaces: %q", out)
	}
	e.Skiff("pod", "create", "--name", "loose", "--infra=false").Success(t)
	if out := e.Skiff("pod", "inspect", "--format", "{{.InfraContainerID}}", "loose").Success(t).Out(); out != "" {
		t.Errorf("a pod without infra has infra %q", out)
	}
	e.Skiff("run", "-d", "--pod", "loose", "--name", "a", BusyboxImage, "sleep", "600").Success(t)
	if out := e.Skiff("exec", "a", "hostname").Success(t).Out(); out == "loose" {
		t.Errorf("a member of a pod without infra has the pod's host name")
	}
	e.Skiff("network", "create", "podnet").Success(t)
	e.Skiff("pod", "create", "--name", "onnet", "--network", "podnet").Success(t)
	e.Skiff("run", "-d", "--pod", "onnet", "--name", "member", BusyboxImage, "sleep", "600").Success(t)
	infra := e.Skiff("pod", "inspect", "--format", "{{.InfraContainerID}}", "onnet").Success(t).Out()
	if out := inspectField(e, infra, "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}"); out != "podnet" {
		t.Errorf("the pod's network: %q", out)
	}
	e.Skiff("pod", "rm", "-f", "-t", "0", "pids", "loose", "onnet").Success(t)
	e.Skiff("network", "rm", "podnet").Success(t)
	noContainers(e)
}
