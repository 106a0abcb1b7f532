package container

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Legacy links (--link NAME[:ALIAS]), as docker keeps them: the record
// holds docker's HostConfig.Links form "/NAME:/CONTAINER/ALIAS"; at every
// start the linked container, which must run, gets an /etc/hosts line
// (alias, name, short ID) and docker's ALIAS_PORT_*/ALIAS_ENV_* variables
// from its address on a network the two share.

// link is one parsed --link.
type link struct{ name, alias string }

// resolveLinks checks --link values at create and returns HostConfig.Links
// for the container named name.
func resolveLinks(e *engine.Engine, values []string, name string) ([]string, error) {
	var out []string
	for _, v := range values {
		target, alias, _ := strings.Cut(v, ":")
		if target == "" {
			return nil, errdefs.Invalid("invalid --link %q: use NAME[:ALIAS]", v)
		}
		if alias == "" {
			alias = target
		}
		c, err := Lookup(e, target)
		if err != nil {
			return nil, errdefs.NotFound("could not get container for %s: %v", target, err)
		}
		out = append(out, "/"+c.Name+":/"+name+"/"+alias)
	}
	return out, nil
}

// links reads HostConfig.Links back.
func (c *Container) links() []link {
	var out []link
	for _, l := range c.HostConfig.Links {
		name, path, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		out = append(out, link{name: strings.TrimPrefix(name, "/"), alias: path[strings.LastIndexByte(path, '/')+1:]})
	}
	return out
}

// linkedHosts are the /etc/hosts entries of the container's links; env
// gets docker's link variables. With strict (start) a linked container
// that does not run, or shares no network with c, is an error, as in
// docker; without (rewriting /etc/hosts later) it is left out.
func (c *Container) linkedHosts(rt *netRuntime, strict bool) (hosts []netns.HostEntry, env []string, err error) {
	if rt == nil {
		rt = &netRuntime{}
	}
	mine := map[string]bool{}
	for _, ep := range rt.Endpoints {
		mine[ep.NetworkID] = true
	}
	for _, l := range c.links() {
		target, err := Lookup(c.e, l.name)
		if err != nil || !target.State.Running() {
			if !strict {
				continue
			}
			return nil, nil, errdefs.Conflict("cannot link to a non running container: /%s AS /%s/%s", l.name, c.Name, l.alias)
		}
		ip := ""
		if trt := target.loadNetRuntime(); trt != nil {
			for _, ep := range trt.Endpoints {
				if mine[ep.NetworkID] {
					ip = ep.IP.String()
					break
				}
			}
		}
		if ip == "" {
			if !strict {
				continue
			}
			return nil, nil, errdefs.Conflict("cannot link to /%s: it shares no network with /%s", l.name, c.Name)
		}
		names := []string{l.alias}
		for _, n := range []string{target.Name, target.ShortID()} {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		hosts = append(hosts, netns.HostEntry{IP: ip, Names: names})
		env = append(env, target.linkEnv(strings.ToUpper(strings.ReplaceAll(l.alias, "-", "_")), "/"+c.Name+"/"+l.alias, ip)...)
	}
	return hosts, env, nil
}

// linkEnv are docker's variables for a link to c under prefix: NAME, the
// exposed ports (PORT is the lowest), and the container's own environment
// as PREFIX_ENV_*.
func (c *Container) linkEnv(prefix, name, ip string) []string {
	env := []string{prefix + "_NAME=" + name}
	ports := make([]string, 0, len(c.Config.ExposedPorts))
	for p := range c.Config.ExposedPorts {
		ports = append(ports, p)
	}
	sort.Slice(ports, func(i, j int) bool { return portLess(ports[i], ports[j]) })
	for i, p := range ports {
		num, proto, ok := strings.Cut(p, "/")
		if !ok {
			proto = "tcp"
		}
		url := fmt.Sprintf("%s://%s:%s", proto, ip, num)
		if i == 0 {
			env = append(env, prefix+"_PORT="+url)
		}
		key := fmt.Sprintf("%s_PORT_%s_%s", prefix, num, strings.ToUpper(proto))
		env = append(env, key+"="+url, key+"_ADDR="+ip, key+"_PORT="+num, key+"_PROTO="+proto)
	}
	for _, kv := range c.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "HOME" || k == "PATH" || k == "HOSTNAME" {
			continue
		}
		env = append(env, prefix+"_ENV_"+k+"="+v)
	}
	return env
}

// portLess orders "80/tcp" before "443/tcp" (by number, then protocol).
func portLess(a, b string) bool {
	var na, nb int
	fmt.Sscanf(a, "%d", &na)
	fmt.Sscanf(b, "%d", &nb)
	if na != nb {
		return na < nb
	}
	return a < b
}

// withLinkEnv puts the link variables before env: the container's own
// variables win, as in docker.
func withLinkEnv(linkEnv, env []string) []string {
	var out []string
	for _, kv := range linkEnv {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") }) {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// RemoveLink removes the link /CONTAINER/ALIAS (rm --link).
func RemoveLink(e *engine.Engine, path string) error {
	name, alias, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || name == "" || alias == "" {
		return errdefs.Invalid("invalid link %q: use /CONTAINER/ALIAS", path)
	}
	c, err := Lookup(e, name)
	if err != nil {
		return err
	}
	return Locked(e, c.ID, func(fresh *Container) error {
		i := slices.IndexFunc(fresh.links(), func(l link) bool { return l.alias == alias })
		if i < 0 {
			return errdefs.NotFound("container %s has no link %s", fresh.Name, alias)
		}
		fresh.HostConfig.Links = slices.Delete(slices.Clone(fresh.HostConfig.Links), i, i+1)
		return fresh.saveRecord()
	})
}
