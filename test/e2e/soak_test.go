package e2e

// The soak (issue #14): SOAK_LOOPS concurrent loops (default 32) of
// run/exec/logs/stop/rm, volume create/rm and network create/connect/rm,
// for SOAK_MIN minutes, as one user, against one store. Zero errors, and
// afterwards nothing left: containers, mounts of the store, and system
// check's store findings. `make soak` runs it (SOAK_MIN=10); with the
// slow suites (SKIFF_TEST_SLOW=1) a short version runs (1 minute, 8 loops).

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSoak(t *testing.T) {
	minutes, _ := strconv.ParseFloat(os.Getenv("SOAK_MIN"), 64)
	loops := 32
	if minutes <= 0 {
		// the short version: with the slow suites (SKIFF_TEST_SLOW=1)
		Require(t, "slow")
		minutes, loops = 1, 8
	}
	if n, err := strconv.Atoi(os.Getenv("SOAK_LOOPS")); err == nil && n > 0 {
		loops = n
	}
	e := New(t)
	img := e.LoadBusybox()
	deadline := time.Now().Add(time.Duration(minutes * float64(time.Minute)))
	var rounds, failures atomic.Int64
	var wg sync.WaitGroup
	fail := func(r Result) bool {
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
				switch n % 3 {
				case 0: // a container's life
					if fail(e.Skiff("run", "-d", "--name", name, img, "sh", "-c", "echo up; sleep 60")) {
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
				case 2: // a network with a container connected
					if fail(e.Skiff("network", "create", name)) {
						continue
					}
					fail(e.Skiff("run", "--rm", "--network", name, img, "true"))
					fail(e.Skiff("network", "rm", name))
				}
				rounds.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("soak: %d loops, %.1f min, %d rounds, %d failures", loops, minutes, rounds.Load(), failures.Load())
	noContainers(e)
	if left := storeFindings(t, e); len(left) > 0 {
		t.Errorf("system check after the soak: %s", strings.Join(left, "; "))
	}
	if m := hostFile(t, "/proc/self/mountinfo"); strings.Contains(m, e.Root) {
		t.Errorf("mounts of the store are left on the host")
	}
	for _, what := range []string{"volume ls -q", "network ls -q --filter type=custom"} {
		if out := e.Skiff(strings.Fields(what)...).Out(); out != "" {
			t.Errorf("%s after the soak: %s", what, out)
		}
	}
}
