package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/testutil"
)

// journald is systemd's journal daemon, which a test may start in a mount
// namespace of its own.
const journald = "/lib/systemd/systemd-journald"

// requirements maps what a test may need to a check that returns "" when
// it is met, else why not.
var requirements = map[string]func() string{
	"root": func() string {
		return unless(suite.mode == ModeRoot, "needs root mode (SKIFF_TEST_MODE=root, go test as root)")
	},
	"rootless": func() string {
		return unless(suite.mode == ModeRootless, "needs rootless mode (SKIFF_TEST_MODE=rootless)")
	},
	"hostroot":       func() string { return unless(suite.hostRoot, "needs go test to run as root") },
	"slow":           func() string { return unless(os.Getenv("SKIFF_TEST_SLOW") == "1", "slow: set SKIFF_TEST_SLOW=1") },
	"registry":       func() string { return binary(testutil.RegistryBinary, "docker-registry") },
	"podman":         func() string { return binary("podman", "podman") },
	"newuidmap":      func() string { return binary("newuidmap", "uidmap") + binary("newgidmap", "uidmap") },
	"pasta":          func() string { return binary("pasta", "passt") + device("/dev/net/tun") },
	"slirp4netns":    func() string { return binary("slirp4netns", "slirp4netns") + device("/dev/net/tun") },
	"fuse-overlayfs": func() string { return binary("fuse-overlayfs", "fuse-overlayfs") + device("/dev/fuse") },
	"busybox":        func() string { return image("busybox.tar") },
	"journald": func() string {
		_, err := os.Stat(journald)
		return unless(err == nil, "needs "+journald+" (systemd)") + binary("journalctl", "systemd")
	},
	"debian": func() string { return image("debian.tar") },
	"cgroup2": func() string {
		var st unix.Statfs_t
		ok := unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
		return unless(ok, "needs a unified cgroup v2 hierarchy at /sys/fs/cgroup")
	},
	"limits": func() string {
		return unless(canLimit(), "skiff cannot make cgroups here (rootless needs a delegated cgroup v2 subtree)")
	},
	"nolimits": func() string { return unless(!canLimit(), "skiff can apply limits here") },
	"rangeuser": func() string {
		name := os.Getenv("SKIFF_TEST_RANGE_USER")
		switch {
		case name == "":
			return "set SKIFF_TEST_RANGE_USER to a user of its own, whose /etc/subuid and /etc/subgid lines the test may rewrite (.ci/run makes one)"
		case suite.testUser != nil && name == suite.testUser.Name:
			return "SKIFF_TEST_RANGE_USER must not be the test user: other tests use its range meanwhile"
		case !suite.hostRoot:
			return "needs go test to run as root"
		}
		if _, err := lookupAccount(name); err != nil {
			return "SKIFF_TEST_RANGE_USER: " + err.Error()
		}
		return ""
	},
	"subuid": func() string {
		return unless(suite.testUser != nil && hasSubIDs(suite.testUser.Name), "the test user has no /etc/subuid range")
	},
}

// cgroupV2 tells whether /sys/fs/cgroup is the unified hierarchy.
func cgroupV2() bool {
	var st syscall.Statfs_t
	return syscall.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == 0x63677270
}

// canLimit tells whether skiff can make cgroups in this mode: as root
// (the v1 hierarchies or the v2 root), or rootless when go test runs in a
// cgroup v2 directory delegated to the test user (make test-vm).
func canLimit() bool {
	if suite.mode == ModeRoot {
		return suite.hostRoot
	}
	if !cgroupV2() || suite.testUser == nil {
		return false
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			var st syscall.Stat_t
			return syscall.Stat(filepath.Join("/sys/fs/cgroup", p), &st) == nil && int(st.Uid) == suite.testUser.UID
		}
	}
	return false
}

// Require skips the test unless every named requirement is met: "root",
// "rootless", "hostroot" (go test runs as root), "slow" (SKIFF_TEST_SLOW=1),
// "registry", "podman", "newuidmap", "pasta", "slirp4netns",
// "fuse-overlayfs", "busybox", "debian" (test images built), "cgroup2",
// "limits" (skiff can make cgroups: root, or rootless with a delegated v2
// subtree), "nolimits", "subuid", "rangeuser" (SKIFF_TEST_RANGE_USER, whose
// ranges a test may rewrite), "journald" (systemd's journald and journalctl
// installed).
func Require(t testing.TB, what ...string) {
	t.Helper()
	for _, w := range what {
		check, ok := requirements[w]
		if !ok {
			t.Fatalf("Require(%q): unknown requirement", w)
		}
		if why := check(); why != "" {
			t.Skipf("requires %s: %s", w, why)
		}
	}
}

func unless(ok bool, why string) string {
	if ok {
		return ""
	}
	return why
}

func binary(name, pkg string) string {
	if _, err := exec.LookPath(name); err != nil {
		return name + " not found (apt-get install " + pkg + ")"
	}
	return ""
}

// device checks that every user may open the character device, as on a
// normal distribution (.ci/run prepares that).
func device(path string) string {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return path + " missing"
	}
	if st.Mode&0o006 != 0o006 {
		return path + " is not mode 0666 (chmod 0666 " + path + ")"
	}
	return ""
}

func image(file string) string {
	if _, err := os.Stat(filepath.Join(suite.images, file)); err != nil {
		return file + " not built (make images)"
	}
	return ""
}

func hasSubIDs(name string) bool {
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		b, err := os.ReadFile(f)
		if err != nil || !containsLinePrefix(string(b), name+":") {
			return false
		}
	}
	return true
}

func containsLinePrefix(s, prefix string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
