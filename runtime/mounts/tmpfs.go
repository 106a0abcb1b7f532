package mounts

import (
	"fmt"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// ParseTmpfs parses a --tmpfs value, CONTAINER-PATH[:OPTIONS], where
// OPTIONS are mount(8) options for tmpfs ("rw,size=64m,mode=1777").
func ParseTmpfs(raw string) (target, options string, err error) {
	target, options, _ = strings.Cut(raw, ":")
	if err := validateTarget(target); err != nil {
		return "", "", errdefs.Invalid("invalid tmpfs specification %q: %v", raw, err)
	}
	for _, o := range splitOptions(options) {
		if !validTmpfsOption(o) {
			return "", "", errdefs.Invalid("invalid tmpfs specification %q: unknown tmpfs option %q", raw, o)
		}
	}
	return cleanPath(target), options, nil
}

// tmpfsFlags are the mount(8) flags a tmpfs accepts.
var tmpfsFlags = map[string]bool{
	"ro": true, "rw": true, "exec": true, "noexec": true, "suid": true, "nosuid": true,
	"dev": true, "nodev": true, "sync": true, "async": true, "dirsync": true,
	"atime": true, "noatime": true, "diratime": true, "nodiratime": true,
	"relatime": true, "norelatime": true, "strictatime": true, "nostrictatime": true,
	"mand": true, "nomand": true, "inode32": true, "inode64": true, "noswap": true,
}

// tmpfsKeys are the key=value options of tmpfs.
var tmpfsKeys = map[string]bool{
	"size": true, "mode": true, "uid": true, "gid": true, "nr_inodes": true, "nr_blocks": true,
	"mpol": true, "huge": true,
}

func validTmpfsOption(o string) bool {
	k, _, hasValue := strings.Cut(o, "=")
	if hasValue {
		return tmpfsKeys[k]
	}
	return tmpfsFlags[o]
}

func splitOptions(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// tmpfsData is the option string of a --mount type=tmpfs, as docker
// builds it: ro, mode (octal) and size with the largest exact unit.
func tmpfsData(m *Mount) (string, error) {
	var opts []string
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	if t := m.TmpfsOptions; t != nil {
		if t.Mode != 0 {
			opts = append(opts, fmt.Sprintf("mode=%o", uint32(t.Mode)))
		}
		if t.SizeBytes < 0 {
			return "", fmt.Errorf("invalid tmpfs size %d", t.SizeBytes)
		}
		if t.SizeBytes != 0 {
			opts = append(opts, "size="+sizeString(t.SizeBytes))
		}
	}
	return strings.Join(opts, ","), nil
}

func sizeString(n int64) string {
	for _, u := range []struct {
		suffix string
		div    int64
	}{{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}} {
		if n%u.div == 0 {
			return fmt.Sprintf("%d%s", n/u.div, u.suffix)
		}
	}
	return fmt.Sprint(n)
}

// TmpfsData is the option string of a tmpfs --mount request.
func TmpfsData(m *Mount) string {
	s, _ := tmpfsData(m)
	return s
}

// TmpfsMountOptions are the mount options of a tmpfs: docker's defaults
// (noexec, nosuid, nodev) overridden by the user's options in order; a
// later flag beats its opposite and a later key=value its earlier value.
func TmpfsMountOptions(user string) []string {
	all := append([]string{"noexec", "nosuid", "nodev"}, splitOptions(user)...)
	var out []string
	index := map[string]int{} // option family -> position in out
	for _, o := range all {
		fam := optionFamily(o)
		if i, ok := index[fam]; ok {
			out[i] = o
			continue
		}
		index[fam] = len(out)
		out = append(out, o)
	}
	return out
}

// optionFamily groups an option with its opposite: "exec" and "noexec"
// are one family, "size=1m" and "size=2m" another.
func optionFamily(o string) string {
	if k, _, ok := strings.Cut(o, "="); ok {
		return k + "="
	}
	switch o {
	case "ro", "rw":
		return "rw"
	case "sync", "async":
		return "sync"
	case "atime", "noatime", "relatime", "norelatime", "strictatime", "nostrictatime":
		return "atime"
	}
	return strings.TrimPrefix(o, "no")
}
