package network

import (
	"testing"
	"time"
)

func TestNetworkFilters(t *testing.T) {
	t.Parallel()
	old := &Network{Name: "backend", ID: "abcdef0123", Driver: "bridge", Created: time.Now().Add(-48 * time.Hour),
		Labels: map[string]string{"team": "db", "tier": "x"}}
	fresh := &Network{Name: "front", ID: "0123abcdef", Driver: "bridge", Created: time.Now(), Labels: map[string]string{}}
	builtin := &Network{Name: "host", ID: "ffff", Driver: "host", BuiltIn: true}
	unused := func() bool { return false }
	for _, tc := range []struct {
		filters []string
		keys    []string
		n       *Network
		want    bool
	}{
		{[]string{"name=back"}, ListFilterKeys, old, true},
		{[]string{"name=front", "name=back"}, ListFilterKeys, old, true},
		{[]string{"name=front"}, ListFilterKeys, old, false},
		{[]string{"id=abc"}, ListFilterKeys, old, true},
		{[]string{"driver=host"}, ListFilterKeys, builtin, true},
		{[]string{"type=custom"}, ListFilterKeys, builtin, false},
		{[]string{"type=builtin"}, ListFilterKeys, builtin, true},
		{[]string{"label=team"}, ListFilterKeys, old, true},
		{[]string{"label=team=db", "driver=bridge"}, ListFilterKeys, old, true},
		{[]string{"label=team=web"}, ListFilterKeys, old, false},
		{[]string{"dangling=true"}, ListFilterKeys, fresh, true},
		{[]string{"dangling=true"}, ListFilterKeys, builtin, false},
		{[]string{"until=24h"}, PruneFilterKeys, old, true},
		{[]string{"until=24h"}, PruneFilterKeys, fresh, false},
		{[]string{"label!=team"}, PruneFilterKeys, old, false},
		{[]string{"label!=team"}, PruneFilterKeys, fresh, true},
	} {
		f, err := ParseFilters(tc.filters, tc.keys)
		if err != nil {
			t.Errorf("ParseFilters(%v): %v", tc.filters, err)
			continue
		}
		if got := f.Match(tc.n, unused); got != tc.want {
			t.Errorf("%v on %s = %v, want %v", tc.filters, tc.n.Name, got, tc.want)
		}
	}
	for _, bad := range [][]string{{"name"}, {"bogus=1"}, {"type=other"}, {"dangling=maybe"}, {"until=never"}} {
		if _, err := ParseFilters(bad, append(ListFilterKeys, "until")); err == nil {
			t.Errorf("ParseFilters(%v): no error", bad)
		}
	}
}
