package system

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testAutostart is a rootless (or root) installation whose systemd state
// lives under a temporary host directory, with systemctl recorded.
func testAutostart(t *testing.T, rootless bool) (*autostart, *[]string, *bytes.Buffer, *bytes.Buffer) {
	host := t.TempDir()
	var calls []string
	var out, errb bytes.Buffer
	a := &autostart{
		AutostartOptions: AutostartOptions{Stdout: &out, Stderr: &errb},
		command:          []string{"/usr/local/bin/skiff", "--root", "/home/alice/.local/share/skiff/storage", "--runroot", "/run/user/1000/skiff"},
		rootless:         rootless, uid: 1000, user: "alice", host: host,
		unitDir: filepath.Join(host, "home/alice/.config/systemd/user"),
	}
	if rootless {
		a.env = []string{"XDG_RUNTIME_DIR=/run/user/1000"}
	} else {
		a.uid, a.user, a.unitDir = 0, "root", filepath.Join(host, "etc/systemd/system")
		a.command = []string{"/usr/local/bin/skiff", "--root", "/var/lib/skiff/storage", "--runroot", "/run/skiff"}
	}
	a.systemctl = func(args ...string) error {
		calls = append(calls, strings.Join(args, " "))
		return nil
	}
	return a, &calls, &out, &errb
}

func mkdirs(t *testing.T, paths ...string) {
	for _, p := range paths {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// The user unit: a oneshot that stays active, leaves the containers it
// started alone when stopped, pins the runtime directory, runs the same
// binary with the same --root and --runroot, wanted by default.target.
func TestRestoreUnitRootless(t *testing.T) {
	t.Parallel()
	a, _, _, _ := testAutostart(t, true)
	want := "# Written by `skiff system restore --install`; remove it with `skiff system restore --uninstall`.\n" +
		"[Unit]\nDescription=Start again the skiff containers whose restart policy says so\n" +
		"Documentation=man:skiff-system-restore(1)\n\n" +
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nKillMode=process\n" +
		"Environment=XDG_RUNTIME_DIR=/run/user/1000\n" +
		"ExecStart=/usr/local/bin/skiff --root /home/alice/.local/share/skiff/storage --runroot /run/user/1000/skiff system restore\n\n" +
		"[Install]\nWantedBy=default.target\n"
	if got := a.unit(); got != want {
		t.Errorf("unit:\n%s\nwant:\n%s", got, want)
	}
}

// The system unit waits for the network and is wanted by
// multi-user.target; a TMPDIR-based runtime directory unsets
// XDG_RUNTIME_DIR; odd characters are quoted for systemd.
func TestRestoreUnitQuoting(t *testing.T) {
	t.Parallel()
	a, _, _, _ := testAutostart(t, false)
	a.command = []string{"/opt/my skiff/skiff", "--root", "/srv/50%/$HOME", "--runroot", `/run/a"b`}
	a.env, a.unset = []string{"TMPDIR=/tmp/x y%"}, []string{"XDG_RUNTIME_DIR"}
	u := a.unit()
	for _, line := range []string{
		"Wants=network-online.target", "After=network-online.target",
		"UnsetEnvironment=XDG_RUNTIME_DIR", `Environment="TMPDIR=/tmp/x y%%"`,
		`ExecStart="/opt/my skiff/skiff" --root /srv/50%%/$$HOME --runroot "/run/a\"b" system restore`,
		"WantedBy=multi-user.target",
	} {
		if !slices.Contains(strings.Split(u, "\n"), line) {
			t.Errorf("unit lacks %q:\n%s", line, u)
		}
	}
}

// The crontab line: sh quoting, and cron's % escaped.
func TestRestoreCronLine(t *testing.T) {
	t.Parallel()
	a, _, _, _ := testAutostart(t, true)
	a.env = []string{"TMPDIR=/tmp/it's"}
	a.command = []string{"/usr/bin/skiff", "--root", "/data/100%", "--runroot", "/tmp/skiff-run-1000"}
	want := `@reboot TMPDIR='/tmp/it'\''s' /usr/bin/skiff --root /data/100\% --runroot /tmp/skiff-run-1000 system restore`
	if got := a.cronLine(); got != want {
		t.Errorf("cron line\n %s\nwant\n %s", got, want)
	}
}

// Without systemd, --install prints the line on stdout, how to add and
// remove it on stderr, and writes nothing; --uninstall says so too.
func TestInstallWithoutSystemd(t *testing.T) {
	t.Parallel()
	a, calls, out, errb := testAutostart(t, true)
	if err := a.install(); err != nil {
		t.Fatal(err)
	}
	if out.String() != a.cronLine()+"\n" || !strings.HasPrefix(out.String(), "@reboot ") {
		t.Errorf("stdout %q, want the crontab line alone", out)
	}
	for _, s := range []string{"nothing was installed", "crontab -e", "| crontab -", "To undo"} {
		if !strings.Contains(errb.String(), s) {
			t.Errorf("stderr lacks %q: %s", s, errb)
		}
	}
	if _, err := os.Stat(a.unitDir); !os.IsNotExist(err) || len(*calls) > 0 {
		t.Errorf("something was installed: %v, systemctl %q", err, *calls)
	}
	errb.Reset()
	if err := a.uninstall(); err != nil || !strings.Contains(errb.String(), "crontab -e") {
		t.Errorf("uninstall: %v, %q", err, errb)
	}
}

// With a user manager running: the unit is written, the manager reloaded
// and the unit enabled; uninstall disables, removes, reloads. The report
// names each step and the undo.
func TestInstallUserManager(t *testing.T) {
	t.Parallel()
	a, calls, out, _ := testAutostart(t, true)
	mkdirs(t, a.host+"/run/systemd/system", a.host+"/run/user/1000/systemd/private")
	if err := a.install(); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(a.unitDir, restoreUnitName)
	if b, err := os.ReadFile(unit); err != nil || string(b) != a.unit() {
		t.Fatalf("unit file: %v\n%s", err, b)
	}
	if !slices.Equal(*calls, []string{"daemon-reload", "enable " + restoreUnitName}) {
		t.Errorf("systemctl calls %q", *calls)
	}
	for _, s := range []string{"Wrote " + unit, "first login after a boot", "loginctl enable-linger alice", "To undo: skiff system restore --uninstall"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	mkdirs(t, a.host+"/var/lib/systemd/linger/alice")
	out.Reset()
	if err := a.install(); err != nil || !strings.Contains(out.String(), "at boot, as lingering is on for alice") {
		t.Errorf("install again with lingering: %v\n%s", err, out)
	}
	*calls = nil
	out.Reset()
	if err := a.uninstall(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(unit); !os.IsNotExist(err) {
		t.Errorf("unit left: %v", err)
	}
	if !slices.Equal(*calls, []string{"disable " + restoreUnitName, "daemon-reload"}) || !strings.Contains(out.String(), "Removed "+unit) {
		t.Errorf("uninstall: systemctl %q, report %s", *calls, out)
	}
	out.Reset()
	if err := a.uninstall(); err != nil || !strings.Contains(out.String(), "nothing to remove") {
		t.Errorf("second uninstall: %v %s", err, out)
	}
}

// systemd without the user's manager running (su -, no lingering): the
// unit is enabled by the link systemctl --user enable makes.
func TestInstallUserManagerDown(t *testing.T) {
	t.Parallel()
	a, calls, out, _ := testAutostart(t, true)
	mkdirs(t, a.host+"/run/systemd/system")
	if err := a.install(); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(a.unitDir, restoreUnitName)
	link := filepath.Join(a.unitDir, "default.target.wants", restoreUnitName)
	if target, err := os.Readlink(link); err != nil || target != unit {
		t.Errorf("link %s -> %q, %v", link, target, err)
	}
	if len(*calls) > 0 || !strings.Contains(out.String(), "Linked "+link) {
		t.Errorf("systemctl %q, report %s", *calls, out)
	}
	if err := a.uninstall(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("link left: %v", err)
	}
}

// As root: a system unit, enabled through the system manager.
func TestInstallSystemUnit(t *testing.T) {
	t.Parallel()
	a, calls, out, _ := testAutostart(t, false)
	mkdirs(t, a.host+"/run/systemd/system")
	if err := a.install(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(a.host, "etc/systemd/system", restoreUnitName)); err != nil {
		t.Error(err)
	}
	if !slices.Equal(*calls, []string{"daemon-reload", "enable " + restoreUnitName}) || !strings.Contains(out.String(), "at every boot") {
		t.Errorf("systemctl %q, report %s", *calls, out)
	}
}

// systemctl is run with --user for a user, finds the user's manager
// through XDG_RUNTIME_DIR, and what it printed is reported; its failure
// is an error with its output.
func TestRunSystemctl(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\necho \"Created symlink for $* in $XDG_RUNTIME_DIR\" >&2\n[ \"$2\" != fail ]\n"
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	a, _, out, _ := testAutostart(t, true)
	if err := a.runSystemctl("enable", restoreUnitName); err != nil {
		t.Fatal(err)
	}
	want := "Ran systemctl --user enable skiff-restore.service\n  Created symlink for --user enable skiff-restore.service in " + a.host + "/run/user/1000\n"
	if out.String() != want {
		t.Errorf("report %q, want %q", out, want)
	}
	if err := a.runSystemctl("fail"); err == nil || !strings.Contains(err.Error(), "systemctl --user fail: exit status 1: Created symlink") {
		t.Errorf("a failing systemctl: %v", err)
	}
}
