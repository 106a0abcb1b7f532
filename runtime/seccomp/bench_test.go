package seccomp

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// What docker's default profile costs a container's start (issue #14: at
// most 1 ms): the CLI's lookup of the compiled filter in the run root's
// cache (BenchmarkCached), the compilation a cold cache pays once
// (BenchmarkBuild), and the init's seccomp(2) call, which copies the
// filter into the kernel and translates it there (BenchmarkInstall,
// measured in a child process per load, the median reported as
// install-ns/op: on a shared machine the mean is the scheduler's):
//
//	go test -run '^$' -bench . ./runtime/seccomp

func BenchmarkCached(b *testing.B) {
	dir := b.TempDir()
	if _, err := Cached(dir, "", dockerCaps); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Cached(dir, "", dockerCaps); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for range b.N {
		if _, err := Build("", dockerCaps); err != nil {
			b.Fatal(err)
		}
	}
}

// installChildEnv makes the test binary a child that loads the default
// filter once and prints how long the system call took, in ns.
const installChildEnv = "SKIFF_SECCOMP_INSTALL_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(installChildEnv) != "" {
		os.Exit(installChild())
	}
	os.Exit(m.Run())
}

func installChild() int {
	f, err := Build("", dockerCaps)
	if err == nil {
		err = unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := time.Now()
	err = Install(f)
	d := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(d.Nanoseconds())
	return 0
}

func BenchmarkInstall(b *testing.B) {
	samples := make([]int64, 0, b.N)
	for range b.N {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), installChildEnv+"=1")
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("install child: %v", err)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			b.Fatalf("install child printed %q", out)
		}
		samples = append(samples, ns)
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2]), "install-ns/op")
}
