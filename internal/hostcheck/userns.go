package hostcheck

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/subid"
)

// The sysctls that switch unprivileged user namespaces off.
const (
	sysctlUsernsClone = "/proc/sys/kernel/unprivileged_userns_clone"             // Debian before 11, Arch
	sysctlMaxUserns   = "/proc/sys/user/max_user_namespaces"                     // everywhere
	sysctlAppArmor    = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns" // Ubuntu 24.04 and later
)

// UserNamespaces checks that an unprivileged user may create the user
// namespace rootless skiff lives in.
func UserNamespaces() Result {
	exe, _ := os.Executable()
	return Result{Check: "user namespaces", Findings: usernsFindings(readSysctl, appArmorLabel(), exe)}
}

func usernsFindings(read func(string) string, label, exe string) []Finding {
	var out []Finding
	if read(sysctlUsernsClone) == "0" {
		out = append(out, Finding{Problem,
			"unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0): rootless skiff cannot start",
			"run as root: sysctl -w kernel.unprivileged_userns_clone=1 && echo kernel.unprivileged_userns_clone=1 > /etc/sysctl.d/50-skiff-userns.conf"})
	}
	if read(sysctlMaxUserns) == "0" {
		out = append(out, Finding{Problem,
			"user namespaces are disabled (user.max_user_namespaces = 0): rootless skiff cannot start",
			"run as root: sysctl -w user.max_user_namespaces=28633 && echo user.max_user_namespaces=28633 > /etc/sysctl.d/50-skiff-userns.conf"})
	}
	// Under this AppArmor policy an unconfined process's new user
	// namespace gets no capabilities; a profile with "userns," lifts it for
	// one program (Ubuntu ships one for podman).
	if read(sysctlAppArmor) == "1" && (label == "" || label == "unconfined") {
		if exe == "" {
			exe = "/usr/local/bin/skiff"
		}
		out = append(out, Finding{Problem,
			"AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1) and no profile allows them to skiff: rootless skiff cannot start",
			fmt.Sprintf(`run as root: printf 'abi <abi/4.0>,\ninclude <tunables/global>\nprofile skiff %s flags=(unconfined) {\n  userns,\n}\n' > /etc/apparmor.d/skiff && apparmor_parser -r /etc/apparmor.d/skiff`, exe)})
	}
	return out
}

// appArmorLabel is the AppArmor confinement of this process ("unconfined",
// "podman (unconfined)"), or "" without AppArmor.
func appArmorLabel() string {
	for _, p := range []string{"/proc/self/attr/apparmor/current", "/proc/self/attr/current"} {
		if b, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
		}
	}
	return ""
}

// IDMapTools checks newuidmap and newgidmap, which write the id map of the
// user namespace from the user's /etc/subuid and /etc/subgid ranges: they
// must be on PATH and able to act as root (setuid root, or the setuid or
// setgid file capability, on a filesystem not mounted nosuid).
func IDMapTools() Result {
	r := Result{Check: "newuidmap, newgidmap"}
	var missing []string
	for _, t := range []struct {
		name string
		cap  int
	}{{"newuidmap", unix.CAP_SETUID}, {"newgidmap", unix.CAP_SETGID}} {
		p, err := exec.LookPath(t.name)
		if err != nil {
			missing = append(missing, t.name)
			continue
		}
		if f := mapToolFinding(p, t.cap); f != nil {
			r.Findings = append(r.Findings, *f)
		}
	}
	if len(missing) > 0 {
		r.Findings = append([]Finding{{Problem,
			strings.Join(missing, " and ") + " not found on PATH: skiff cannot map your subordinate ids",
			"run as root: apt-get install uidmap"}}, r.Findings...)
	}
	return r
}

// mapToolFinding says why the tool at path cannot set up a map, or nil.
func mapToolFinding(path string, capability int) *Finding {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return &Finding{Problem, fmt.Sprintf("%s cannot be examined: %v", path, err), "run as root: apt-get install --reinstall uidmap"}
	}
	var fs unix.Statfs_t
	if unix.Statfs(path, &fs) == nil && fs.Flags&unix.ST_NOSUID != 0 {
		return &Finding{Problem,
			fmt.Sprintf("%s is on a filesystem mounted nosuid, where it cannot act as root: skiff cannot map your subordinate ids", path),
			"put the uidmap package's copy first in PATH (/usr/bin), or run as root: apt-get install uidmap"}
	}
	if actsAsRoot(path, st, capability) {
		return nil
	}
	fix := fmt.Sprintf("run as root: chown root:root %s && chmod u+s %s", path, path)
	if good := otherGoodTool(path, capability); good != "" {
		fix = fmt.Sprintf("remove %s from PATH (%s is fine), or %s", filepath.Dir(path), good, fix)
	}
	return &Finding{Problem,
		fmt.Sprintf("%s is not setuid root and has no file capability: it cannot write the id map of your user namespace", path), fix}
}

// otherGoodTool is a working copy of the tool in the usual places, other
// than path, or "".
func otherGoodTool(path string, capability int) string {
	for _, dir := range []string{"/usr/bin", "/bin", "/usr/local/bin"} {
		p := filepath.Join(dir, filepath.Base(path))
		if same, _ := filepath.EvalSymlinks(p); p == path || same == path {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(p, &st) == nil && actsAsRoot(p, st, capability) {
			return p
		}
	}
	return ""
}

// actsAsRoot reports whether the program at path runs with the
// capability: setuid root, or the capability in its file capabilities.
func actsAsRoot(path string, st unix.Stat_t, capability int) bool {
	return (st.Mode&unix.S_ISUID != 0 && st.Uid == hostRootUID()) || hasFileCap(path, capability)
}

// hostRootUID is how the host's root reads in this process's user
// namespace: 0 on the host; inside skiff's namespace, where it is not
// mapped, the overflow id every unmapped owner reads as.
func hostRootUID() uint32 {
	if inInitialUserNS() {
		return 0
	}
	b, _ := os.ReadFile("/proc/self/uid_map")
	for _, line := range strings.Split(string(b), "\n") {
		var inside, host, count uint32
		if n, _ := fmt.Sscan(line, &inside, &host, &count); n == 3 && host == 0 {
			return inside
		}
	}
	return overflowID("uid")
}

// hasFileCap reports whether the file's security.capability extended
// attribute (struct vfs_cap_data) holds the capability in its permitted set.
func hasFileCap(path string, capability int) bool {
	buf := make([]byte, 24)
	n, err := unix.Getxattr(path, "security.capability", buf)
	if err != nil || n < 8 || capability >= 32 {
		return false
	}
	return binary.LittleEndian.Uint32(buf[4:8])&(1<<uint(capability)) != 0
}

// SubIDs checks the user's own ranges in /etc/subuid and /etc/subgid:
// present, not overlapping each other or the user's own id (newuidmap then
// fails with "write to uid_map failed: Invalid argument"), and large enough.
func SubIDs(u User) Result {
	uids, errU := subid.Read(subid.UIDFile)
	gids, errG := subid.Read(subid.GIDFile)
	return Result{Check: "subordinate ids", Findings: subIDFindings(u, uids, gids, errU, errG)}
}

// SubIDSharing checks that no other user's range overlaps the user's:
// nothing fails, but both users' containers then share ids.
func SubIDSharing(u User) Result {
	uids, errU := subid.Read(subid.UIDFile)
	gids, errG := subid.Read(subid.GIDFile)
	r := Result{Check: "subordinate ids shared with other users"}
	if errU == nil && errG == nil {
		free := subid.NextFree(uids, gids)
		r.Findings = append(sharedRanges(u, subid.UIDFile, uids, free), sharedRanges(u, subid.GIDFile, gids, free)...)
	}
	return r
}

// idKind is what differs between /etc/subuid and /etc/subgid.
type idKind struct {
	file, id, tool, flag string // "/etc/subuid", "uid", "newuidmap", "subuids"
}

func kindOf(file string) idKind {
	if file == subid.GIDFile {
		return idKind{file, "gid", "newgidmap", "subgids"}
	}
	return idKind{file, "uid", "newuidmap", "subuids"}
}

func subIDFindings(u User, uids, gids subid.Entries, errU, errG error) []Finding {
	var out []Finding
	for _, e := range []struct {
		file string
		err  error
	}{{subid.UIDFile, errU}, {subid.GIDFile, errG}} {
		if e.err != nil {
			out = append(out, Finding{Problem, fmt.Sprintf("cannot read %s (%v): skiff cannot map subordinate ids", e.file, e.err),
				"run as root: chmod 0644 " + e.file})
		}
	}
	if len(out) > 0 {
		return out
	}
	free := subid.NextFree(uids, gids)
	next := subid.Range{Start: free, Count: 65536}
	mine := map[string][]subid.Range{subid.UIDFile: uids.Of(u.Name, u.UID), subid.GIDFile: gids.Of(u.Name, u.UID)}
	var missing, add []string
	for _, file := range []string{subid.UIDFile, subid.GIDFile} {
		if len(mine[file]) == 0 {
			missing = append(missing, file)
			add = append(add, fmt.Sprintf("--add-%s %s", kindOf(file).flag, next))
		}
	}
	if len(missing) > 0 {
		return []Finding{{Problem,
			fmt.Sprintf("no subordinate ids for %s in %s: containers get a single uid and gid, and every file of an image belongs to root",
				u.Name, strings.Join(missing, " and ")),
			fmt.Sprintf("run as root: usermod %s %s", strings.Join(add, " "), u.Name)}}
	}
	for _, file := range []string{subid.UIDFile, subid.GIDFile} {
		own := u.UID
		if file == subid.GIDFile {
			own = u.GID
		}
		out = append(out, ownRangeFindings(u.Name, own, kindOf(file), mine[file], free)...)
	}
	return out
}

// ownRangeFindings checks one user's ranges of one kind: the map newuidmap
// writes puts the user's own id first and the ranges after it, and the
// kernel refuses a map whose host ids overlap.
func ownRangeFindings(name string, own int, k idKind, ranges []subid.Range, free int) []Finding {
	var out []Finding
	total := 0
	for i, r := range ranges {
		total += r.Count
		if r.Contains(own) {
			out = append(out, Finding{Problem,
				fmt.Sprintf("the %s range %s of %s contains %s's own %s %d: %s fails with \"write to %s_map failed: Invalid argument\"",
					k.file, r, name, name, k.id, own, k.tool, k.id),
				fmt.Sprintf("run as root: usermod --del-%s %s --add-%s %s %s", k.flag, r, k.flag, subid.Range{Start: free, Count: r.Count}, name)})
		}
		for _, o := range ranges[:i] {
			if r.Overlaps(o) {
				hull := subid.Range{Start: min(r.Start, o.Start)}
				hull.Count = max(r.End(), o.End()) - hull.Start
				out = append(out, Finding{Problem,
					fmt.Sprintf("the %s ranges of %s overlap each other (%s and %s): %s fails with \"write to %s_map failed: Invalid argument\"",
						k.file, name, o, r, k.tool, k.id),
					// usermod removes before it adds: the two become one
					fmt.Sprintf("run as root: usermod --del-%s %s --add-%s %s %s", k.flag, hull, k.flag, hull, name)})
				break
			}
		}
	}
	if len(out) == 0 && total < 65535 {
		out = append(out, Finding{Note,
			fmt.Sprintf("%s has %d subordinate %ss in %s: an image whose files belong to %ss above %d (nobody is 65534) cannot be unpacked",
				name, total, k.id, k.file, k.id, total),
			fmt.Sprintf("run as root: usermod --add-%s %s %s", k.flag, subid.Range{Start: free, Count: 65536 - total}, name)})
	}
	return out
}

// sharedRanges finds the user's ranges that overlap another owner's.
func sharedRanges(u User, file string, es subid.Entries, free int) []Finding {
	k := kindOf(file)
	uidStr := strconv.Itoa(u.UID)
	var out []Finding
	for _, r := range es.Of(u.Name, u.UID) {
		for _, o := range es {
			if o.Owner == u.Name || o.Owner == uidStr || !r.Overlaps(o.Range) {
				continue
			}
			out = append(out, Finding{Problem,
				fmt.Sprintf("the %s range %s of %s overlaps %s's %s: the containers of both users share those ids and can reach each other's files",
					k.file, r, u.Name, o.Owner, o.Range),
				fmt.Sprintf("run as root: usermod --del-%s %s --add-%s %s %s", k.flag, r, k.flag, subid.Range{Start: free, Count: r.Count}, u.Name)})
			break
		}
	}
	return out
}
