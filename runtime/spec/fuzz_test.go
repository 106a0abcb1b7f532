package spec

import (
	"os"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// --env-file contents.
func FuzzParseEnvFile(f *testing.F) {
	for _, s := range []string{"A=1\nB=2\n", "# comment\n\nexport X=y\n", "NAME\n", "=x\n", "A=\"quoted\"\n", "A=1\r\nB\r\n", "\xff\xfe=1\n", "  SP = x  \n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		env, err := ParseEnvFile(strings.NewReader(data), func(k string) (string, bool) { return "v", k == "NAME" })
		fuzzcheck.OneLine(t, "--env-file", err)
		for _, kv := range env {
			if k, _, _ := strings.Cut(kv, "="); k == "" {
				t.Fatalf("an empty variable name from %q", data)
			}
		}
	})
}

// The host-configuration flags: --ulimit, --sysctl, --security-opt,
// --device, --signal/--stop-signal, --cpus, --blkio-weight-device,
// --device-read-bps/iops, --cpuset-cpus, --cap-add.
func FuzzParseHostFlags(f *testing.F) {
	for _, s := range []string{"nofile=1024:2048", "net.ipv4.ip_forward=1", "no-new-privileges", "seccomp=unconfined",
		"apparmor=x", "label=disable", "/dev/fuse:/dev/fuse:rwm", "SIGKILL", "RTMIN+3", "9", "1.5", "0.001",
		"/dev/sda:200", "/dev/sda:1mb", "0-3,5", "1-0", "NET_ADMIN", "all", "seccomp=/nonexistent/profile.json"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		args := fuzzcheck.Args(v)
		if strings.HasPrefix(v, "seccomp=") && !strings.HasPrefix(v, "seccomp=unconfined") {
			if _, err := os.Stat(strings.TrimPrefix(v, "seccomp=")); err == nil {
				return // a real file of this machine: not the parser's input
			}
		}
		_, err := ParseUlimits(args)
		fuzzcheck.OneLine(t, "--ulimit", err)
		_, err = ParseSysctls(args)
		fuzzcheck.OneLine(t, "--sysctl", err)
		_, err = ParseSecurityOpts(args)
		fuzzcheck.OneLine(t, "--security-opt", err)
		_, err = ParseDevice(v)
		fuzzcheck.OneLine(t, "--device", err)
		_, err = ParseSignal(v)
		fuzzcheck.OneLine(t, "--signal", err)
		_, err = ParseCPUs(v)
		fuzzcheck.OneLine(t, "--cpus", err)
		_, err = ParseWeightDevice(v)
		fuzzcheck.OneLine(t, "--blkio-weight-device", err)
		_, err = ParseThrottleDevice(v, true)
		fuzzcheck.OneLine(t, "--device-read-iops", err)
		_, err = ParseThrottleDevice(v, false)
		fuzzcheck.OneLine(t, "--device-read-bps", err)
		_, err = ParseSet(v)
		fuzzcheck.OneLine(t, "--cpuset-cpus", err)
		_, err = NormalizeCap(v)
		fuzzcheck.OneLine(t, "--cap-add", err)
	})
}
