package spec

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// ErrNoSuchUser is returned when a -u name is not in the image's
// /etc/passwd (or a group name not in /etc/group).
var ErrNoSuchUser = errors.New("no such user")

// User is a resolved container user.
type User struct {
	UID, GID       uint32
	AdditionalGids []uint32
	Home           string
}

type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// ResolveUser resolves "user[:group]" (names or numbers, "" = root)
// against the root filesystem at rootfs, as docker does: a name must exist,
// a number need not; the primary group comes from passwd unless given;
// supplementary groups are those listing the user in /etc/group; HOME is
// the passwd entry's home, else "/".
func ResolveUser(rootfs, spec string) (*User, error) {
	users, _ := readPasswd(rootfs)
	groups, _ := readGroups(rootfs)
	return resolveUser(spec, users, groups)
}

func resolveUser(spec string, users []passwdEntry, groups []groupEntry) (*User, error) {
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	if userPart == "" {
		userPart = "0"
	}
	u := &User{Home: "/"}
	var name string
	if n, err := strconv.ParseUint(userPart, 10, 32); err == nil {
		u.UID = uint32(n)
		for _, e := range users {
			if e.uid == u.UID {
				u.GID, u.Home, name = e.gid, e.home, e.name
				break
			}
		}
	} else {
		found := false
		for _, e := range users {
			if e.name == userPart {
				u.UID, u.GID, u.Home, name, found = e.uid, e.gid, e.home, e.name, true
				break
			}
		}
		if !found {
			return nil, errdefs.New(ErrNoSuchUser, "unable to find user %s: no matching entries in passwd file", userPart)
		}
	}
	if hasGroup && groupPart != "" {
		gid, err := resolveGroup(groupPart, groups)
		if err != nil {
			return nil, err
		}
		u.GID = gid
	} else if name != "" {
		for _, g := range groups {
			for _, m := range g.members {
				if m == name && g.gid != u.GID {
					u.AdditionalGids = append(u.AdditionalGids, g.gid)
				}
			}
		}
	}
	if u.Home == "" {
		u.Home = "/"
	}
	return u, nil
}

// addGroups adds --group-add groups (names from the image's /etc/group,
// or numbers) to the supplementary groups, once each.
func (u *User) addGroups(rootfs string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	groups, _ := readGroups(rootfs)
	for _, n := range names {
		gid, err := resolveGroup(n, groups)
		if err != nil {
			return err
		}
		if !slices.Contains(u.AdditionalGids, gid) {
			u.AdditionalGids = append(u.AdditionalGids, gid)
		}
	}
	return nil
}

func resolveGroup(spec string, groups []groupEntry) (uint32, error) {
	if n, err := strconv.ParseUint(spec, 10, 32); err == nil {
		return uint32(n), nil
	}
	for _, g := range groups {
		if g.name == spec {
			return g.gid, nil
		}
	}
	return 0, errdefs.New(ErrNoSuchUser, "unable to find group %s: no matching entries in group file", spec)
}

func openInRoot(rootfs, path string) (*os.File, error) {
	p, err := securejoin.SecureJoin(rootfs, path)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

func readPasswd(rootfs string) ([]passwdEntry, error) {
	f, err := openInRoot(rootfs, "/etc/passwd")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parsePasswd(f), nil
}

func parsePasswd(r io.Reader) []passwdEntry {
	var out []passwdEntry
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 6 || strings.HasPrefix(f[0], "#") {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, passwdEntry{name: f[0], uid: uint32(uid), gid: uint32(gid), home: f[5]})
	}
	return out
}

func readGroups(rootfs string) ([]groupEntry, error) {
	f, err := openInRoot(rootfs, "/etc/group")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseGroups(f), nil
}

func parseGroups(r io.Reader) []groupEntry {
	var out []groupEntry
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		g := groupEntry{name: f[0], gid: uint32(gid)}
		if len(f) > 3 && f[3] != "" {
			g.members = strings.Split(f[3], ",")
		}
		out = append(out, g)
	}
	return out
}

// WithHostUsers returns the container's /etc/passwd (at rootfs) with the
// host's entries lines appended for the accounts it lacks by name
// (podman's --hostuser).
func WithHostUsers(rootfs string, lines []string) ([]byte, error) {
	var buf bytes.Buffer
	if f, err := openInRoot(rootfs, "/etc/passwd"); err == nil {
		_, err = buf.ReadFrom(f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	have := map[string]bool{}
	for _, e := range parsePasswd(bytes.NewReader(buf.Bytes())) {
		have[e.name] = true
	}
	if buf.Len() > 0 && !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		buf.WriteByte('\n')
	}
	for _, l := range lines {
		if name, _, _ := strings.Cut(l, ":"); !have[name] {
			buf.WriteString(l + "\n")
			have[name] = true
		}
	}
	return buf.Bytes(), nil
}

// HostPasswdLine is the host's /etc/passwd entry of user (a name or a
// uid), for --hostuser.
func HostPasswdLine(user string) (string, error) {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, ":")
		if len(f) >= 7 && !strings.HasPrefix(f[0], "#") && (f[0] == user || f[2] == user) {
			return l, nil
		}
	}
	return "", errdefs.Invalid("--hostuser %s: no such user on this host: give a user of the host's /etc/passwd", user)
}
