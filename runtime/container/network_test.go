package container

import (
	"testing"
	"time"
)

func TestParseAddHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, host, ip string
		bad          bool
	}{
		{in: "db:10.0.0.5", host: "db", ip: "10.0.0.5"},
		{in: "db=10.0.0.5", host: "db", ip: "10.0.0.5"},
		{in: "gw:host-gateway", host: "gw", ip: "host-gateway"},
		{in: "v6:::1", host: "v6", ip: "::1"},
		{in: "v6=[2001:db8::1]", host: "v6", ip: "2001:db8::1"},
		{in: "db", bad: true},
		{in: ":10.0.0.5", bad: true},
		{in: "db:notanip", bad: true},
	} {
		host, ip, err := ParseAddHost(tc.in)
		if (err != nil) != tc.bad || !tc.bad && (host != tc.host || ip != tc.ip) {
			t.Errorf("ParseAddHost(%q) = %q %q %v", tc.in, host, ip, err)
		}
	}
}

func TestNetworkFilters(t *testing.T) {
	t.Parallel()
	old := &NetworkRecord{Name: "backend", ID: "abcdef0123", Driver: "bridge", Created: time.Now().Add(-48 * time.Hour),
		Labels: map[string]string{"team": "db", "tier": "x"}}
	fresh := &NetworkRecord{Name: "front", ID: "0123abcdef", Driver: "bridge", Created: time.Now(), Labels: map[string]string{}}
	builtin := &NetworkRecord{Name: "host", ID: "ffff", Driver: "host", BuiltIn: true}
	unused := func() bool { return false }
	for _, tc := range []struct {
		filters []string
		keys    []string
		n       *NetworkRecord
		want    bool
	}{
		{[]string{"name=back"}, NetworkListFilterKeys, old, true},
		{[]string{"name=front", "name=back"}, NetworkListFilterKeys, old, true},
		{[]string{"name=front"}, NetworkListFilterKeys, old, false},
		{[]string{"id=abc"}, NetworkListFilterKeys, old, true},
		{[]string{"driver=host"}, NetworkListFilterKeys, builtin, true},
		{[]string{"type=custom"}, NetworkListFilterKeys, builtin, false},
		{[]string{"type=builtin"}, NetworkListFilterKeys, builtin, true},
		{[]string{"label=team"}, NetworkListFilterKeys, old, true},
		{[]string{"label=team=db", "driver=bridge"}, NetworkListFilterKeys, old, true},
		{[]string{"label=team=web"}, NetworkListFilterKeys, old, false},
		{[]string{"dangling=true"}, NetworkListFilterKeys, fresh, true},
		{[]string{"dangling=true"}, NetworkListFilterKeys, builtin, false},
		{[]string{"until=24h"}, NetworkPruneFilterKeys, old, true},
		{[]string{"until=24h"}, NetworkPruneFilterKeys, fresh, false},
		{[]string{"label!=team"}, NetworkPruneFilterKeys, old, false},
		{[]string{"label!=team"}, NetworkPruneFilterKeys, fresh, true},
	} {
		f, err := ParseNetworkFilters(tc.filters, tc.keys)
		if err != nil {
			t.Errorf("ParseNetworkFilters(%v): %v", tc.filters, err)
			continue
		}
		if got := f.Match(tc.n, unused); got != tc.want {
			t.Errorf("%v on %s = %v, want %v", tc.filters, tc.n.Name, got, tc.want)
		}
	}
	for _, bad := range [][]string{{"name"}, {"bogus=1"}, {"type=other"}, {"dangling=maybe"}, {"until=never"}} {
		if _, err := ParseNetworkFilters(bad, append(NetworkListFilterKeys, "until")); err == nil {
			t.Errorf("ParseNetworkFilters(%v): no error", bad)
		}
	}
}
