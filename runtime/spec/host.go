package spec

import (
	"fmt"
	"strings"

	"github.com/docker/go-units"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// ParseUlimits parses --ulimit values, docker's "name=soft[:hard]".
func ParseUlimits(in []string) ([]*units.Ulimit, error) {
	var out []*units.Ulimit
	seen := map[string]bool{}
	for _, v := range in {
		u, err := units.ParseUlimit(v)
		if err != nil {
			return nil, errdefs.Invalid("invalid --ulimit %q: %v (use name=soft[:hard], e.g. nofile=1024:2048)", v, err)
		}
		if seen[u.Name] {
			return nil, errdefs.Invalid("invalid --ulimit %q: %s is given twice", v, u.Name)
		}
		seen[u.Name] = true
		out = append(out, u)
	}
	return out, nil
}

// namespacedSysctls are the sysctls a container's own namespaces hold
// (docker's list): the IPC namespace's, and net.* in a network namespace
// of the container's own.
var namespacedSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// ParseSysctls parses --sysctl values (name=value) and refuses those that
// would change the host: only namespaced ones are allowed (net.* needs a
// network namespace of the container's own, which create checks).
func ParseSysctls(in []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range in {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, errdefs.Invalid("invalid --sysctl %q: use name=value", kv)
		}
		k = strings.ReplaceAll(k, "/", ".")
		switch {
		case namespacedSysctls[k], strings.HasPrefix(k, "fs.mqueue."):
		case strings.HasPrefix(k, "net."):
		default:
			return nil, errdefs.Invalid("sysctl %q is not allowed: it is not namespaced and would change the host", k)
		}
		out[k] = v
	}
	return out, nil
}

// SecurityOptions are what --security-opt sets.
type SecurityOptions struct {
	NoNewPrivileges bool
	UnconfinedPaths bool
}

// fixedSecurityOpts are the --security-opt keys that take one value only:
// skiff loads no seccomp filter and has no SELinux or AppArmor support,
// so asking to be unconfined is accepted and a profile or label refused.
var fixedSecurityOpts = map[string]struct{ value, why string }{
	"seccomp":     {"unconfined", "skiff loads no seccomp filter"},
	"apparmor":    {"unconfined", "skiff has no AppArmor support"},
	"label":       {"disable", "skiff has no SELinux support"},
	"systempaths": {"unconfined", "it lifts docker's masked and read-only paths"},
}

// ParseSecurityOpts applies --security-opt values to the defaults (no new
// privileges on).
func ParseSecurityOpts(in []string) (SecurityOptions, error) {
	o := SecurityOptions{NoNewPrivileges: true}
	for _, opt := range in {
		k, v, hasValue := strings.Cut(opt, "=")
		if !hasValue {
			k, v, hasValue = strings.Cut(opt, ":")
		}
		if f, ok := fixedSecurityOpts[k]; ok {
			if v != f.value {
				return o, errdefs.Invalid("invalid --security-opt %q: %s; only %s=%s is accepted", opt, f.why, k, f.value)
			}
			o.UnconfinedPaths = o.UnconfinedPaths || k == "systempaths"
			continue
		}
		switch {
		case k != "no-new-privileges":
			return o, errdefs.Invalid("invalid --security-opt %q: use no-new-privileges, seccomp=unconfined, apparmor=unconfined, label=disable or systempaths=unconfined", opt)
		case !hasValue || v == "true":
			o.NoNewPrivileges = true
		case v == "false":
			o.NoNewPrivileges = false
		default:
			return o, errdefs.Invalid("invalid --security-opt %q: no-new-privileges takes true or false", opt)
		}
	}
	return o, nil
}

// shmOption is the size option of /dev/shm.
func shmOption(size int64) string {
	if size <= 0 {
		size = DefaultShmSize
	}
	return fmt.Sprintf("size=%d", size)
}
