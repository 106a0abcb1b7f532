package hostcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/subid"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	cause := errors.New("pasta failed: Failed to open tun socket")
	note := Result{Findings: []Finding{{Note, "a note", "fix it"}}}
	problem := Result{Findings: []Finding{{Problem, "/dev/net/tun has mode 0600", "run as root: chmod 0666 /dev/net/tun"}}}
	if got := Explain(cause, note); got != cause {
		t.Errorf("a note explained the failure: %v", got)
	}
	got := Explain(cause, note, problem)
	if got.Error() != "/dev/net/tun has mode 0600; run as root: chmod 0666 /dev/net/tun" || !errors.Is(got, cause) {
		t.Errorf("Explain = %q (wraps the cause: %v)", got, errors.Is(got, cause))
	}
	if s := fmt.Sprintf("%+v", got); !strings.Contains(s, "Failed to open tun socket") {
		t.Errorf("%%+v lacks the cause: %s", s)
	}
	if again := Explain(fmt.Errorf("starting: %w", got), Result{Findings: []Finding{{Problem, "other", ""}}}); !strings.HasSuffix(again.Error(), got.Error()) {
		t.Errorf("an explained error was explained again: %v", again)
	}
	if Explain(nil, problem) != nil {
		t.Error("Explain(nil) is not nil")
	}
}

func TestUsernsFindings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		sysctl map[string]string
		label  string
		want   []string // substrings, one per finding
	}{
		{"enabled", map[string]string{sysctlMaxUserns: "15000"}, "", nil},
		{"debian switch", map[string]string{sysctlUsernsClone: "0"}, "", []string{"sysctl -w kernel.unprivileged_userns_clone=1"}},
		{"no namespaces", map[string]string{sysctlMaxUserns: "0"}, "", []string{"user.max_user_namespaces=28633"}},
		{"apparmor", map[string]string{sysctlAppArmor: "1"}, "unconfined", []string{"profile skiff /opt/skiff flags=(unconfined)"}},
		{"apparmor profile", map[string]string{sysctlAppArmor: "1"}, "skiff (unconfined)", nil},
		{"apparmor off", map[string]string{sysctlAppArmor: "0"}, "unconfined", nil},
	} {
		got := usernsFindings(func(p string) string { return tc.sysctl[p] }, tc.label, "/opt/skiff")
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d findings, want %d: %v", tc.name, len(got), len(tc.want), got)
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i].Fix, w) || got[i].Severity != Problem {
				t.Errorf("%s: finding %q lacks %q", tc.name, got[i], w)
			}
		}
	}
}

func TestSubIDFindings(t *testing.T) {
	t.Parallel()
	alice := User{Name: "alice", UID: 1000, GID: 1000, Rootless: true}
	parse := func(s string) subid.Entries {
		es, err := subid.Parse(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	good := "alice:100000:65536\nbob:165536:65536\n"
	for _, tc := range []struct {
		name       string
		uids, gids string
		want       []string // one line per finding: Severity then the finding
	}{
		{"good", good, good, nil},
		{"by uid", "1000:100000:65536\n", good, nil},
		{"missing", "bob:165536:65536\n", "bob:165536:65536\n",
			[]string{"problem no subordinate ids for alice in /etc/subuid and /etc/subgid: containers get a single uid and gid, and every file of an image belongs to root; " +
				"run as root: usermod --add-subuids 231072-296607 --add-subgids 231072-296607 alice"}},
		{"missing gids", good, "bob:165536:65536\n",
			[]string{"problem no subordinate ids for alice in /etc/subgid: containers get a single uid and gid, and every file of an image belongs to root; " +
				"run as root: usermod --add-subgids 231072-296607 alice"}},
		{"overlap own", good + "alice:100100:100\n", good,
			[]string{`problem the /etc/subuid ranges of alice overlap each other (100000-165535 and 100100-100199): newuidmap fails with "write to uid_map failed: Invalid argument"; ` +
				"run as root: usermod --del-subuids 100000-165535 --add-subuids 100000-165535 alice"}},
		{"own id", "alice:0:65536\n", good,
			[]string{`problem the /etc/subuid range 0-65535 of alice contains alice's own uid 1000: newuidmap fails with "write to uid_map failed: Invalid argument"; ` +
				"run as root: usermod --del-subuids 0-65535 --add-subuids 231072-296607 alice"}},
		{"small", "alice:100000:1000\n", good,
			[]string{"note alice has 1000 subordinate uids in /etc/subuid: an image whose files belong to uids above 1000 (nobody is 65534) cannot be unpacked; " +
				"run as root: usermod --add-subuids 231072-295607 alice"}},
	} {
		var got []string
		for _, f := range subIDFindings(alice, parse(tc.uids), parse(tc.gids), nil, nil) {
			got = append(got, string(f.Severity)+" "+f.String())
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if fs := subIDFindings(alice, nil, nil, os.ErrPermission, nil); len(fs) != 1 || !strings.Contains(fs[0].Fix, "chmod 0644 /etc/subuid") {
		t.Errorf("unreadable /etc/subuid: %v", fs)
	}
}

func TestSharedRanges(t *testing.T) {
	t.Parallel()
	es, _ := subid.Parse(strings.NewReader("alice:100000:65536\nbob:150000:65536\ncarol:300000:10\n"))
	got := sharedRanges(User{Name: "alice", UID: 1000}, subid.UIDFile, es, subid.NextFree(es))
	if len(got) != 1 || got[0].String() != "the /etc/subuid range 100000-165535 of alice overlaps bob's 150000-215535: "+
		"the containers of both users share those ids and can reach each other's files; "+
		"run as root: usermod --del-subuids 100000-165535 --add-subuids 300010-365545 alice" {
		t.Errorf("sharedRanges = %q", got)
	}
	if got := sharedRanges(User{Name: "carol", UID: 1002}, subid.UIDFile, es, 0); len(got) != 0 {
		t.Errorf("carol shares nothing, got %q", got)
	}
}

func TestDeviceFindings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := device{path: filepath.Join(dir, "net", "tun"), major: 10, minor: 200, module: "tun", breaks: "pasta cannot work"}
	fs := d.findings(Problem)
	if len(fs) != 1 || !strings.Contains(fs[0].Cause, "does not exist") ||
		fs[0].Fix != "run as root: modprobe tun; mkdir -p "+filepath.Dir(d.path)+" && mknod -m 0666 "+d.path+" c 10 200" {
		t.Errorf("missing device: %q", fs)
	}
	if err := os.MkdirAll(filepath.Dir(d.path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.path, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if fs := d.findings(Problem); len(fs) != 1 || !strings.Contains(fs[0].Cause, "is not the tun device (character 10:200)") {
		t.Errorf("regular file: %q", fs)
	}
	if !strings.Contains(tunDevice.udevRule(), `KERNEL=="tun", MODE="0666", OPTIONS+="static_node=net/tun"`) {
		t.Errorf("udev rule: %s", tunDevice.udevRule())
	}
}

// The route tables as the kernel prints them: a default route on an
// interface, or only the loopback's unreachable IPv6 default.
func TestHasDefaultRoute(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	const lo6 = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
	tables := map[string][2]string{
		"v4":   {header + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n", lo6},
		"v6":   {header, "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n" + lo6},
		"none": {header + "skiff0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n", lo6},
		"down": {header + "eth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n", lo6},
		"gone": {"", ""},
	}
	want := map[string]bool{"v4": true, "v6": true}
	for name, tb := range tables {
		v4, v6 := filepath.Join(dir, name+".4"), filepath.Join(dir, name+".6")
		if name != "gone" {
			os.WriteFile(v4, []byte(tb[0]), 0o644)
			os.WriteFile(v6, []byte(tb[1]), 0o644)
		}
		if got := hasDefaultRoute(v4, v6); got != want[name] {
			t.Errorf("%s: hasDefaultRoute = %v", name, got)
		}
	}
}
