package system

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/runtime/container"
)

func ctr(id, name string, labels map[string]string) *container.Container {
	c := &container.Container{}
	c.ID, c.Name, c.Config.Labels = id+strings.Repeat("0", 64-len(id)), name, labels
	return c
}

// needsOf lists each node's dependencies as "name" or "name:condition".
func needsOf(nodes []*restoreNode) map[string][]string {
	out := map[string][]string{}
	for _, n := range nodes {
		var deps []string
		for _, e := range n.needs {
			d := e.dep.c.Name
			if e.cond != "" {
				d += ":" + e.cond
			}
			deps = append(deps, d)
		}
		sort.Strings(deps)
		out[n.c.Name] = deps
	}
	return out
}

// A restore starts a container after those it joins, copies volumes
// from or links to, and after its compose project's depends_on services;
// containers not being restored, one-off compose containers and other
// projects' services are no dependencies.
func TestRestoreOrder(t *testing.T) {
	t.Parallel()
	svc := func(project, service, dependsOn string) map[string]string {
		return map[string]string{composeProject: project, composeService: service, composeDependsOn: dependsOn, composeOneoff: "False"}
	}
	db := ctr("aa01", "p-db-1", svc("p", "db", ""))
	cache := ctr("aa02", "p-cache-1", svc("p", "cache", ""))
	web := ctr("aa03", "p-web-1", svc("p", "web", "db:service_healthy:false,cache:service_started:true,gone:service_started:false"))
	oneoff := ctr("aa04", "p-db-run-1", map[string]string{composeProject: "p", composeService: "db", composeOneoff: "True"})
	otherDB := ctr("aa05", "q-db-1", svc("q", "db", ""))
	sidecar := ctr("bb01", "sidecar", nil)
	sidecar.Network = &container.NetworkConfig{Mode: container.ModeContainer, Container: web.ID}
	data := ctr("cc01", "data", nil)
	user := ctr("dd01", "user", nil)
	user.HostConfig.VolumesFrom = []string{"data:ro", "stopped"}
	user.HostConfig.Links = []string{"/p-db-1:/user/db"}
	user.HostConfig.IpcMode = "container:bb01" // a unique ID prefix
	stopped := ctr("ee01", "stopped", nil)     // not due: no dependency to wait for

	all := []*container.Container{db, cache, web, oneoff, otherDB, sidecar, data, user, stopped}
	due := []*container.Container{user, sidecar, web, db, cache, oneoff, otherDB, data}
	got := needsOf(restoreOrder(all, due))
	want := map[string][]string{
		"p-db-1": nil, "p-cache-1": nil, "q-db-1": nil, "data": nil, "p-db-run-1": nil,
		"p-web-1": {"p-cache-1:service_started", "p-db-1:service_healthy"},
		"sidecar": {"p-web-1"},
		"user":    {"data", "p-db-1", "sidecar"},
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s needs %q, want %q", name, got[name], w)
		}
	}
}

// A cycle (records that point at each other) loses an edge: every wait
// ends.
func TestRestoreOrderBreaksCycles(t *testing.T) {
	t.Parallel()
	a, b, c := ctr("a1", "a", nil), ctr("b1", "b", nil), ctr("c1", "c", nil)
	a.HostConfig.VolumesFrom = []string{"b"}
	b.HostConfig.VolumesFrom = []string{"c"}
	c.HostConfig.VolumesFrom = []string{"a", "c"} // and itself
	nodes := restoreOrder([]*container.Container{a, b, c}, []*container.Container{a, b, c})
	edges := 0
	for _, n := range nodes {
		edges += len(n.needs)
	}
	if edges != 2 {
		t.Fatalf("%d edges left of the cycle a->b->c->a, want 2: %v", edges, needsOf(nodes))
	}
	// every node can finish: walk the waits from each
	for _, n := range nodes {
		seen := map[*restoreNode]bool{}
		var walk func(*restoreNode) bool
		walk = func(x *restoreNode) bool {
			if seen[x] {
				return false
			}
			seen[x] = true
			for _, e := range x.needs {
				if !walk(e.dep) {
					return false
				}
			}
			delete(seen, x)
			return true
		}
		if !walk(n) {
			t.Fatalf("a cycle is left from %s: %v", n.c.Name, needsOf(nodes))
		}
	}
}

// A name that several ID prefixes could mean resolves to nothing.
func TestContainerIndex(t *testing.T) {
	t.Parallel()
	x, y := ctr("ab12", "x", nil), ctr("ab34", "y", nil)
	resolve := containerIndex([]*container.Container{x, y})
	for ref, want := range map[string]string{"x": x.ID, "/y": y.ID, "ab1": x.ID, "ab": "", x.ID: x.ID, "zz": ""} {
		if got := resolve(ref); got != want {
			t.Errorf("resolve(%q) = %q, want %q", ref, got, want)
		}
	}
}
