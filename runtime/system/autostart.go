package system

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// `system restore --install` makes the restore run at boot: a systemd
// unit where systemd is the init (a user unit for a user, a system unit
// as root), else the crontab @reboot line, printed for the user to add.
// The unit and the line run the same binary with the same --root and
// --runroot, and the environment that gives the same runtime directory
// (the pause process, rootless.RuntimeDirEnv), as the command that
// installed them.

// restoreUnitName is the unit `--install` writes.
const restoreUnitName = "skiff-restore.service"

// AutostartOptions are `system restore --install` and `--uninstall`'s.
type AutostartOptions struct {
	// Stdout gets the report of what was done (or, without systemd, the
	// crontab line alone), Stderr how to go on.
	Stdout, Stderr io.Writer
}

// autostart is one install or uninstall: what the boot runs, for whom,
// and where systemd keeps its files.
type autostart struct {
	AutostartOptions
	// command is skiff's absolute path and global flags; `system
	// restore` follows them.
	command []string
	// env and unset are the environment the command needs (set) and
	// must not have (unset).
	env, unset []string
	rootless   bool
	uid        int
	user       string
	// unitDir is where the unit goes: ~/.config/systemd/user or
	// /etc/systemd/system.
	unitDir string
	// host prefixes the paths systemd's state is looked up at (/run/systemd/system,
	// the user manager's socket, lingering): "" but in tests.
	host string
	// systemctl runs systemctl with args (--user first for a user's).
	systemctl func(args ...string) error
}

// newAutostart describes the installation e for the invoking user.
func newAutostart(e *engine.Engine, o AutostartOptions) (*autostart, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the skiff binary: %w", err)
	}
	a := &autostart{AutostartOptions: o, rootless: e.Rootless(), uid: rootless.HostUID(), unitDir: "/etc/systemd/system"}
	a.command = []string{exe, "--root", e.Root(), "--runroot", e.RunRoot()}
	if d := e.Config.Storage.Driver; d != "" {
		a.command = append(a.command, "--storage-driver", d)
	}
	a.env, a.unset = rootless.RuntimeDirEnv()
	a.user = strconv.Itoa(a.uid)
	if u, err := user.LookupId(a.user); err == nil {
		a.user = u.Username
	}
	if a.rootless {
		a.unitDir = filepath.Join(rootless.ConfigHome(), "systemd", "user")
	}
	a.systemctl = a.runSystemctl
	return a, nil
}

// InstallRestore makes `system restore` run at boot and says exactly
// what it did and how to undo it.
func InstallRestore(e *engine.Engine, o AutostartOptions) error {
	a, err := newAutostart(e, o)
	if err != nil {
		return err
	}
	return a.install()
}

// UninstallRestore undoes InstallRestore.
func UninstallRestore(e *engine.Engine, o AutostartOptions) error {
	a, err := newAutostart(e, o)
	if err != nil {
		return err
	}
	return a.uninstall()
}

func (a *autostart) install() error {
	if !a.systemdBooted() {
		fmt.Fprintln(a.Stdout, a.cronLine())
		fmt.Fprintf(a.Stderr, "No systemd manager runs here, so nothing was installed. To restore at boot, add the line above to your crontab (crontab -e), or run:\n"+
			"  (crontab -l 2>/dev/null; %s system restore --install 2>/dev/null) | crontab -\n"+
			"To undo, remove that line from your crontab again (crontab -e).\n", shellWords(a.command))
		if a.rootless && len(a.env) > 0 && strings.HasPrefix(a.env[0], "XDG_RUNTIME_DIR=") {
			fmt.Fprintf(a.Stderr, "Note: %s must exist at boot, before you log in, for the restored containers to be yours to reach.\n", a.env[0])
		}
		return nil
	}
	unit := filepath.Join(a.unitDir, restoreUnitName)
	if err := os.MkdirAll(a.unitDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(unit, []byte(a.unit()), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, "Wrote", unit)
	if err := a.enable(unit); err != nil {
		return err
	}
	switch {
	case !a.rootless:
		fmt.Fprintln(a.Stdout, "systemd runs `skiff system restore` at every boot.")
	case a.lingering():
		fmt.Fprintf(a.Stdout, "Your systemd user manager runs `skiff system restore` whenever it starts: at boot, as lingering is on for %s.\n", a.user)
	default:
		fmt.Fprintf(a.Stdout, "Your systemd user manager runs `skiff system restore` whenever it starts: at your first login after a boot. To restore at boot without a login: loginctl enable-linger %s\n", a.user)
	}
	fmt.Fprintln(a.Stdout, "To undo: skiff system restore --uninstall")
	return nil
}

// enable enables the unit: through the manager, or for a user whose
// manager does not run now, by making the link `systemctl --user enable`
// would make.
func (a *autostart) enable(unit string) error {
	if !a.rootless || a.userManager() {
		if err := a.systemctl("daemon-reload"); err != nil {
			return err
		}
		return a.systemctl("enable", restoreUnitName)
	}
	wants := filepath.Join(a.unitDir, "default.target.wants")
	link := filepath.Join(wants, restoreUnitName)
	if err := os.MkdirAll(wants, 0o755); err != nil {
		return err
	}
	if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Symlink(unit, link); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "Linked %s -> %s (your user manager does not run now; this is what systemctl --user enable does)\n", link, unit)
	return nil
}

func (a *autostart) uninstall() error {
	if !a.systemdBooted() {
		fmt.Fprintln(a.Stderr, "No systemd manager runs here, so --install wrote nothing. If you added skiff's `@reboot ... system restore` line to your crontab, remove it with crontab -e.")
		return nil
	}
	unit := filepath.Join(a.unitDir, restoreUnitName)
	if _, err := os.Stat(unit); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(a.Stdout, "No %s: nothing to remove.\n", unit)
		return nil
	}
	if !a.rootless || a.userManager() {
		if err := a.systemctl("disable", restoreUnitName); err != nil {
			return err
		}
	} else {
		link := filepath.Join(a.unitDir, "default.target.wants", restoreUnitName)
		if err := os.Remove(link); err == nil {
			fmt.Fprintln(a.Stdout, "Removed", link)
		}
	}
	if err := os.Remove(unit); err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, "Removed", unit)
	if !a.rootless || a.userManager() {
		return a.systemctl("daemon-reload")
	}
	return nil
}

// systemdBooted reports whether systemd is the init (sd_booted's test).
func (a *autostart) systemdBooted() bool {
	st, err := os.Stat(a.host + "/run/systemd/system")
	return err == nil && st.IsDir()
}

// userManager reports whether the user's systemd manager runs.
func (a *autostart) userManager() bool {
	_, err := os.Stat(a.userRuntime() + "/systemd/private")
	return err == nil
}

// userRuntime is the user manager's XDG_RUNTIME_DIR.
func (a *autostart) userRuntime() string { return fmt.Sprintf("%s/run/user/%d", a.host, a.uid) }

// lingering reports whether the user's manager starts at boot.
func (a *autostart) lingering() bool {
	_, err := os.Stat(a.host + "/var/lib/systemd/linger/" + a.user)
	return err == nil
}

// runSystemctl runs systemctl, for the user's manager with --user (it
// finds the manager through XDG_RUNTIME_DIR), and reports it.
func (a *autostart) runSystemctl(args ...string) error {
	if a.rootless {
		args = append([]string{"--user"}, args...)
	}
	cmd := exec.Command("systemctl", args...)
	cmd.Env = os.Environ()
	if a.rootless {
		cmd.Env = append(cmd.Env, "XDG_RUNTIME_DIR="+a.userRuntime())
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	fmt.Fprintln(a.Stdout, "Ran systemctl", strings.Join(args, " "))
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l != "" {
			fmt.Fprintln(a.Stdout, "  "+l) // "Created symlink ...": what it did
		}
	}
	return nil
}

// unit is the unit file. The restore is a oneshot that stays active;
// KillMode=process keeps the containers it started (in its cgroup) when
// the unit is stopped or started again: they end with the machine, or
// with the user's manager.
func (a *autostart) unit() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by `skiff system restore --install`; remove it with `skiff system restore --uninstall`.\n")
	fmt.Fprintf(&b, "[Unit]\nDescription=Start again the skiff containers whose restart policy says so\n")
	fmt.Fprintf(&b, "Documentation=man:skiff-system-restore(1)\n")
	if !a.rootless {
		// A user manager cannot order itself after system targets.
		fmt.Fprintf(&b, "Wants=network-online.target\nAfter=network-online.target\n")
	}
	fmt.Fprintf(&b, "\n[Service]\nType=oneshot\nRemainAfterExit=yes\nKillMode=process\n")
	for _, v := range a.unset {
		fmt.Fprintf(&b, "UnsetEnvironment=%s\n", v)
	}
	for _, v := range a.env {
		fmt.Fprintf(&b, "Environment=%s\n", systemdQuote(v, false))
	}
	words := make([]string, 0, len(a.command)+2)
	for _, w := range append(append([]string{}, a.command...), "system", "restore") {
		words = append(words, systemdQuote(w, true))
	}
	fmt.Fprintf(&b, "ExecStart=%s\n", strings.Join(words, " "))
	target := "default.target"
	if !a.rootless {
		target = "multi-user.target"
	}
	fmt.Fprintf(&b, "\n[Install]\nWantedBy=%s\n", target)
	return b.String()
}

// cronLine is the crontab line: cron runs it with /bin/sh and a bare
// environment, and turns an unescaped % into a newline.
func (a *autostart) cronLine() string {
	var parts []string
	for _, kv := range a.env {
		name, value, _ := strings.Cut(kv, "=")
		parts = append(parts, name+"="+shellWord(value))
	}
	parts = append(parts, shellWords(append(append([]string{}, a.command...), "system", "restore")))
	return "@reboot " + strings.ReplaceAll(strings.Join(parts, " "), "%", `\%`)
}

// systemdQuote quotes a word of ExecStart= (exec: $ expands there) or a
// whole Environment= assignment: % starts a specifier everywhere.
func systemdQuote(s string, exec bool) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if exec {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// shellWords joins words for sh, quoting those that need it.
func shellWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellWord(w)
	}
	return strings.Join(out, " ")
}

func shellWord(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
