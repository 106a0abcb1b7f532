package spec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseUlimits(t *testing.T) {
	t.Parallel()
	got, err := ParseUlimits([]string{"nofile=512:1024", "nproc=100"})
	if err != nil || len(got) != 2 || got[0].Name != "nofile" || got[0].Soft != 512 || got[0].Hard != 1024 || got[1].Soft != 100 || got[1].Hard != 100 {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range []string{"bogus=1", "nofile", "nofile=2:1", "nofile=x"} {
		if _, err := ParseUlimits([]string{bad}); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
	if _, err := ParseUlimits([]string{"nofile=1", "nofile=2"}); err == nil {
		t.Error("twice: want error")
	}
}

func TestParseSysctls(t *testing.T) {
	t.Parallel()
	got, err := ParseSysctls([]string{"net.ipv4.ip_forward=1", "kernel.shmmax=10", "fs.mqueue.msg_max=20", "net/core/somaxconn=5"})
	if err != nil || got["net.ipv4.ip_forward"] != "1" || got["kernel.shmmax"] != "10" || got["fs.mqueue.msg_max"] != "20" || got["net.core.somaxconn"] != "5" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"kernel.hostname=x", "vm.swappiness=1", "net.ipv4.ip_forward", "=1"} {
		if _, err := ParseSysctls([]string{bad}); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestParseSecurityOpts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         []string
		nnp, paths bool
	}{
		{nil, true, false},
		{[]string{"no-new-privileges"}, true, false},
		{[]string{"no-new-privileges=false"}, false, false},
		{[]string{"no-new-privileges:false"}, false, false},
		{[]string{"seccomp=unconfined", "apparmor=unconfined", "label=disable"}, true, false},
		{[]string{"systempaths=unconfined"}, true, true},
	} {
		got, err := ParseSecurityOpts(tc.in)
		given := len(tc.in) > 0 && strings.HasPrefix(tc.in[0], "no-new-privileges")
		if err != nil || got.NoNewPrivileges != tc.nnp || got.UnconfinedPaths != tc.paths || got.NoNewPrivilegesGiven != given {
			t.Errorf("%q: %+v %v", tc.in, got, err)
		}
	}
	for _, bad := range []string{"seccomp=/nonexistent/profile.json", "seccomp=", `seccomp={"defaultAction":"SCMP_ACT_BOGUS"}`, "apparmor=docker-default", "label=type:x", "no-new-privileges=maybe", "bogus"} {
		if _, err := ParseSecurityOpts([]string{bad}); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestSeccompOpts(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(file, []byte(`{
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]
	}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ParseSecurityOpts([]string{"no-new-privileges", "seccomp=" + file})
	want := []string{"no-new-privileges", `seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}`}
	if err != nil || !slices.Equal(got.Opts, want) {
		t.Fatalf("got %q, %v; want %q", got.Opts, err, want)
	}
	// A record's value parses again to itself.
	again, err := ParseSecurityOpts(got.Opts)
	if err != nil || !slices.Equal(again.Opts, want) {
		t.Fatalf("again: %q, %v", again.Opts, err)
	}
	for _, tc := range []struct {
		opts       []string
		privileged bool
		profile    string
		unconfined bool
	}{
		{nil, false, "", false},
		{[]string{"seccomp=unconfined"}, false, "", true},
		{[]string{"seccomp=unconfined", "seccomp=builtin"}, false, "", false},
		{nil, true, "", true},
		{want, false, want[1][len("seccomp="):], false},
	} {
		p, u := SeccompProfile(tc.opts, tc.privileged)
		if p != tc.profile || u != tc.unconfined {
			t.Errorf("SeccompProfile(%q, %v) = %q, %v", tc.opts, tc.privileged, p, u)
		}
	}
}

// The host options reach the spec: /dev/shm's size, rlimits, sysctls
// over the defaults, and no masked paths with systempaths=unconfined.
func TestGenerateHostOptions(t *testing.T) {
	t.Parallel()
	ul, _ := ParseUlimits([]string{"nofile=512:1024"})
	g, err := Generate(Input{
		ID: "0123456789abcdef",
		Options: &Options{Image: "busybox", ShmSize: 1 << 30, Ulimits: ul, UnconfinedPaths: true,
			Sysctls: map[string]string{"net.ipv4.ip_unprivileged_port_start": "1024", "kernel.shmmax": "10"}},
		Image: &ImageConfig{Cmd: []string{"sh"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := g.Spec
	for _, m := range s.Mounts {
		if m.Destination == "/dev/shm" && !slices.Contains(m.Options, "size=1073741824") {
			t.Errorf("/dev/shm options %v", m.Options)
		}
	}
	if len(s.Process.Rlimits) != 1 || s.Process.Rlimits[0].Type != "RLIMIT_NOFILE" || s.Process.Rlimits[0].Soft != 512 || s.Process.Rlimits[0].Hard != 1024 {
		t.Errorf("rlimits %+v", s.Process.Rlimits)
	}
	if s.Linux.Sysctl["net.ipv4.ip_unprivileged_port_start"] != "1024" || s.Linux.Sysctl["kernel.shmmax"] != "10" || !strings.HasPrefix(s.Linux.Sysctl["net.ipv4.ping_group_range"], "0 ") {
		t.Errorf("sysctls %v", s.Linux.Sysctl)
	}
	if DefaultSysctls["net.ipv4.ip_unprivileged_port_start"] != "0" {
		t.Error("the defaults were changed through a container's spec")
	}
	if len(s.Linux.MaskedPaths) != 0 || len(s.Linux.ReadonlyPaths) != 0 {
		t.Errorf("systempaths=unconfined: masked %v, read-only %v", s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
}

func TestParseDevice(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]DeviceMapping{
		"/dev/null":            {"/dev/null", "/dev/null", "rwm"},
		"/dev/null:/dev/x":     {"/dev/null", "/dev/x", "rwm"},
		"/dev/null:rwm":        {"/dev/null", "/dev/null", "rwm"},
		"/dev/null:/dev/x:rwm": {"/dev/null", "/dev/x", "rwm"},
	} {
		if got, err := ParseDevice(in); err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"/dev/nope", "dev/null", "/dev/null:x:y:z", "/dev/null:r", "/dev/null:/dev/x:q", "/etc/hostname"} {
		if _, err := ParseDevice(bad); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestNamespaceModes(t *testing.T) {
	t.Parallel()
	gen := func(o Options) *specs.Spec {
		o.Image = "busybox"
		g, err := Generate(Input{ID: "0123456789abcdef", Options: &o, Image: &ImageConfig{Cmd: []string{"sh"}}})
		if err != nil {
			t.Fatal(err)
		}
		return g.Spec
	}
	has := func(s *specs.Spec, typ specs.LinuxNamespaceType) bool {
		return slices.ContainsFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == typ })
	}
	shm := func(s *specs.Spec) *specs.Mount {
		for i := range s.Mounts {
			if s.Mounts[i].Destination == "/dev/shm" {
				return &s.Mounts[i]
			}
		}
		return nil
	}
	if s := gen(Options{IPCMode: "host"}); has(s, specs.IPCNamespace) || shm(s) == nil || shm(s).Source != "/dev/shm" {
		t.Errorf("--ipc host: %v %+v", s.Linux.Namespaces, shm(s))
	}
	if s := gen(Options{IPCMode: "none"}); !has(s, specs.IPCNamespace) || shm(s) != nil {
		t.Errorf("--ipc none: %+v", shm(s))
	}
	if s := gen(Options{UTSHost: true, Hostname: "vm"}); has(s, specs.UTSNamespace) || s.Hostname != "" {
		t.Errorf("--uts host: %v %q", s.Linux.Namespaces, s.Hostname)
	}
	s := gen(Options{})
	JoinIPC(s, 42)
	BindShm(s, "/run/x/shm")
	if shm(s).Source != "/run/x/shm" || !slices.ContainsFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Path == "/proc/42/ns/ipc" }) {
		t.Errorf("join: %v %+v", s.Linux.Namespaces, shm(s))
	}
}

// --privileged's devices go where no --device or mount already is.
func TestWithHostDevices(t *testing.T) {
	t.Parallel()
	mounts := append(defaultMounts(true, false, 0),
		deviceMounts([]DeviceMapping{{PathOnHost: "/dev/zero", PathInContainer: "/dev/kmsg"}})...)
	mounts = append(mounts, specs.Mount{Destination: "/dev/input", Type: "bind", Source: "/srv/input"})
	devs := []DeviceMapping{{PathOnHost: "/dev/kmsg", PathInContainer: "/dev/kmsg"}, {PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun"},
		{PathOnHost: "/dev/input/event0", PathInContainer: "/dev/input/event0"}, {PathOnHost: "/dev/inputs", PathInContainer: "/dev/inputs"}}
	got := WithHostDevices(mounts, devs)[len(mounts):]
	var dsts []string
	for _, m := range got {
		dsts = append(dsts, m.Destination+"<"+m.Source)
	}
	if want := "/dev/net/tun</dev/net/tun /dev/inputs</dev/inputs"; strings.Join(dsts, " ") != want {
		t.Errorf("WithHostDevices added %q, want %q", dsts, want)
	}
}
