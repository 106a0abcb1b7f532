package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/proc"
)

// netName is a name of this test for networks and containers: several
// tests share a host's bridges and process table.
func netName(t *testing.T, what string) string {
	name := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), ""))
	if len(name) > 20 {
		name = name[len(name)-20:]
	}
	return fmt.Sprintf("%s%s%d", what, name, time.Now().UnixNano()%100000)
}

// netWebServer starts a detached busybox httpd serving "hello from NAME" on
// port 80 of a new container and returns the container's name.
func netWebServer(e *Env, name string, args ...string) string {
	e.T.Helper()
	cmd := fmt.Sprintf("mkdir -p /www && echo hello from %s > /www/index.html && exec httpd -f -p 80 -h /www", name)
	full := append([]string{"run", "-d", "--name", name}, args...)
	full = append(full, BusyboxImage, "sh", "-c", cmd)
	e.Skiff(full...).Success(e.T)
	return name
}

// netInfo is the part of `network inspect` the tests read.
type netInfo struct {
	Name, Id, Driver string
	Internal         bool
	IPAM             struct {
		Config []struct{ Subnet, Gateway, IPRange string }
	}
	Containers map[string]struct{ Name, IPv4Address, MacAddress string }
	Labels     map[string]string
}

func netInspect(e *Env, name string) netInfo {
	e.T.Helper()
	var out []netInfo
	r := e.Skiff("network", "inspect", name).Success(e.T)
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out) != 1 {
		e.T.Fatalf("network inspect %s: %v\n%s", name, err, r.Stdout)
	}
	return out[0]
}

// netContainerIP is the address of container on network, from network
// inspect.
func netContainerIP(e *Env, network, container string) string {
	e.T.Helper()
	for _, c := range netInspect(e, network).Containers {
		if c.Name == container {
			ip, _, _ := strings.Cut(c.IPv4Address, "/")
			return ip
		}
	}
	e.T.Fatalf("container %s is not on network %s", container, network)
	return ""
}

// netHostPort is the host port published for a container port, from `port`.
func netHostPort(e *Env, container, port string) int {
	e.T.Helper()
	for _, l := range e.Skiff("port", container, port).Success(e.T).Lines() {
		if i := strings.LastIndex(l, ":"); i >= 0 {
			if p, err := strconv.Atoi(l[i+1:]); err == nil {
				return p
			}
		}
	}
	e.T.Fatalf("no host port for %s %s", container, port)
	return 0
}

// netHTTPGet fetches url from the test process, retrying while the server
// comes up.
func netHTTPGet(t *testing.T, url string) (string, error) {
	t.Helper()
	var lastErr error
	for i := 0; i < 50; i++ {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
		if err == nil {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				return string(b), nil
			}
			lastErr = fmt.Errorf("status %d, %v", resp.StatusCode, err)
		} else {
			lastErr = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", lastErr
}

// netListenerPid is the process listening on TCP port, from ss.
func netListenerPid(t *testing.T, port int) int {
	t.Helper()
	out, err := netExecOutput("ss", "-Hltnp", fmt.Sprintf("sport = :%d", port))
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	m := regexp.MustCompile(`pid=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("nothing listens on port %d:\n%s", port, out)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// netPids lists processes whose command line contains all of words.
func netPids(words ...string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + ent.Name() + "/cmdline")
		if err != nil || len(b) == 0 {
			continue
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(cmd, w)
		}
		if ok && proc.Alive(pid, 0) {
			out = append(out, pid)
		}
	}
	return out
}

func netExecOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

func netKill9(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	// a process killed is still alive until its exit has released what it
	// held (sockets, namespaces): on a loaded machine that can take more
	// than a second, and a command run meanwhile sees it running
	waitUntil(t, 10*time.Second, fmt.Sprintf("process %d to die of kill -9", pid), func() bool { return !proc.Alive(pid, 0) })
}

// netEventually retries check for up to d.
func netEventually(d time.Duration, check func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if check() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
