package e2e

// The soak (issue #14): SOAK_LOOPS concurrent loops (default 32) of
// run/exec/logs/stop/rm with a published port, volume create/rm, network
// create/connect/disconnect/rm and pull/rmi from the test registry, for
// SOAK_MIN minutes, as one user, against one store. Zero errors, and
// afterwards nothing left (soakLeftovers): containers and their records,
// mounts, processes, network namespaces, leased addresses, port
// forwarders, lock and state files of the objects, system check's store
// findings. `make soak` runs it (SOAK_MIN=10); without SOAK_MIN, as in
// `make test`, a short version runs (1 minute, 8 loops).

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSoak(t *testing.T) {
	Require(t, "busybox")
	minutes, _ := strconv.ParseFloat(os.Getenv("SOAK_MIN"), 64)
	loops := 32
	if minutes <= 0 {
		minutes, loops = 1, 8 // the short version, in make test
	}
	if n, err := strconv.Atoi(os.Getenv("SOAK_LOOPS")); err == nil && n > 0 {
		loops = n
	}
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()

	// pull/rmi: an image of its own in the registry (one small layer
	// nothing else has, so pulls download and the last rmi deletes it),
	// under a tag per loop; the loops share its ID.
	repo := repoFor(t, Registry(t).Addr)
	e.Skiff("import", rootfsTar(e, "soak.tar", map[string]string{"soak": "x\n"}), repo+":base").Success(t)
	for i := range loops {
		tag := fmt.Sprintf("%s:loop%d", repo, i)
		e.Skiff("tag", repo+":base", tag).Success(t)
		e.Skiff("push", tag).Success(t)
		e.Skiff("rmi", tag).Success(t)
	}
	e.Skiff("rmi", repo+":base").Success(t)

	began := time.Now()
	deadline := began.Add(time.Duration(minutes * float64(time.Minute)))
	var rounds, commands, failures atomic.Int64
	var wg sync.WaitGroup
	// fail takes the result of every command the loops run
	fail := func(r Result) bool {
		commands.Add(1)
		if r.Code == 0 {
			return false
		}
		if failures.Add(1) <= 20 {
			t.Errorf("%s: exit %d: %s", strings.Join(r.Args[1:], " "), r.Code, strings.TrimSpace(r.Stderr))
		}
		return true
	}
	for i := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				name := fmt.Sprintf("soak%d-%d", i, n)
				switch n % 4 {
				case 0: // a container's life, with a port forwarder
					if fail(e.Skiff("run", "-d", "--name", name, "-p", "127.0.0.1::8080", img, "sh", "-c", "echo up; sleep 60")) {
						continue
					}
					fail(e.Skiff("exec", name, "true"))
					if r := e.Skiff("logs", name); !fail(r) && !strings.Contains(r.Stdout, "up") {
						t.Errorf("logs %s: %q", name, r.Stdout)
					}
					fail(e.Skiff("stop", "-t", "1", name))
					fail(e.Skiff("rm", name))
				case 1: // a volume used and removed
					fail(e.Skiff("volume", "create", name))
					fail(e.Skiff("run", "--rm", "-v", name+":/d", img, "sh", "-c", "echo x > /d/f"))
					fail(e.Skiff("volume", "rm", name))
				case 2: // a network a running container joins and leaves
					if fail(e.Skiff("network", "create", name)) {
						continue
					}
					if !fail(e.Skiff("run", "-d", "--name", name, img, "sleep", "60")) {
						fail(e.Skiff("network", "connect", name, name))
						fail(e.Skiff("exec", name, "true"))
						fail(e.Skiff("network", "disconnect", name, name))
						fail(e.Skiff("rm", "-f", name))
					}
					fail(e.Skiff("network", "rm", name))
				case 3: // pull and rmi
					ref := fmt.Sprintf("%s:loop%d", repo, i)
					if fail(e.Skiff("pull", "-q", ref)) {
						continue
					}
					fail(e.Skiff("image", "inspect", "--format", "{{.Id}}", ref))
					fail(e.Skiff("rmi", ref))
				}
				rounds.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("soak: %d loops, %.1f min (%s with the last rounds), %d rounds, %d commands, %d failures",
		loops, minutes, time.Since(began).Round(time.Second), rounds.Load(), commands.Load(), failures.Load())
	soakLeftovers(t, e, img)
}

// soakLeftovers checks that a store whose containers, volumes, networks
// and pulled images were all removed holds nothing more than before.
func soakLeftovers(t *testing.T, e *Env, img string) {
	t.Helper()
	noContainers(e) // ps, records, storage containers, mounts
	if left := storeFindings(t, e); len(left) > 0 {
		t.Errorf("system check after the soak: %s", strings.Join(left, "; "))
	}
	for what, want := range map[string]string{"volume ls -q": "", "network ls -q --filter type=custom": "",
		"images --format {{.Repository}}:{{.Tag}}": img} {
		if out := e.Skiff(strings.Fields(what)...).Out(); out != want {
			t.Errorf("%s after the soak: %q, want %q", what, out, want)
		}
	}
	pause, _ := e.pauseProcess()
	// monitors, port forwarders, DNS responders, the rootless network
	// namespace's helper and the network keeper end with the last user;
	// the rootless network namespace (a pin under the runtime directory)
	// with the last network
	// (a bounded wait: what is still there after it is listed)
	awhile(30*time.Second, func() bool { return len(e.processes(pause)) == 0 })
	if left := e.processes(pause); len(left) > 0 {
		t.Errorf("processes left: %s", strings.Join(left, "; "))
	}
	awhile(30*time.Second, func() bool { return len(e.allMounts(pause)) == 0 })
	if left := e.allMounts(pause); len(left) > 0 {
		t.Errorf("mounts (network namespaces among them) left: %s", strings.Join(left, " "))
	}
	if m := hostFile(t, "/proc/self/mountinfo"); strings.Contains(m, e.Root) {
		t.Errorf("mounts of the store are left on the host")
	}
	if left := e.leases(); len(left) > 0 {
		t.Errorf("addresses still leased: %s", strings.Join(left, " "))
	}
	if left := e.objectFiles(); len(left) > 0 {
		t.Errorf("files of removed objects left (locks, state): %s", strings.Join(left, " "))
	}
}

// awhile waits until cond holds, at most d.
func awhile(d time.Duration, cond func() bool) {
	for end := time.Now().Add(d); !cond() && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
}

// processes lists the live processes started for this test's skiff (its
// directory in their environment or command line), but the pause process.
func (e *Env) processes(pause int) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == pause || pid == os.Getpid() {
			continue
		}
		env, _ := os.ReadFile("/proc/" + ent.Name() + "/environ")
		cmd, _ := os.ReadFile("/proc/" + ent.Name() + "/cmdline")
		if strings.Contains(string(env), e.Dir+"/") || strings.Contains(string(cmd), e.Dir+"/") {
			out = append(out, fmt.Sprintf("%d %s", pid, strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))))
		}
	}
	return out
}

// netStateDir is where the bridges' bookkeeping lives (netns.Host).
func (e *Env) netStateDir() string {
	if e.Rootless {
		return filepath.Join(e.RuntimeDir(), "net")
	}
	return "/run/skiff/net"
}

// leases lists the address leases (netns ipam) held for this test's
// containers.
func (e *Env) leases() []string {
	files, _ := filepath.Glob(filepath.Join(e.netStateDir(), "ipam", "*", "*"))
	var out []string
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), e.Root+"/") {
			out = append(out, f)
		}
	}
	return out
}

var objectID = regexp.MustCompile(`^[0-9a-f]{64}|soak[0-9]+-[0-9]+`)

// objectFiles lists the files named after a container, volume or network
// (an ID, or the soak's names) in skiff's own state and runtime
// directories: locks, records and runtime state of removed objects. The
// storage library's directories, which name layers and images by ID, and
// the init program's copy (named by its digest) are not objects'.
func (e *Env) objectFiles() []string {
	var out []string
	dirs := []string{filepath.Join(e.Root, "skiff"), e.RunRoot, e.RuntimeDir()}
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && (strings.HasSuffix(d.Name(), "-images") || strings.HasSuffix(d.Name(), "-layers") || d.Name() == "overlay" ||
				d.Name() == "initexe" || d.Name() == "images" && p != dir) {
				return filepath.SkipDir
			}
			if objectID.MatchString(d.Name()) {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}
