package network

import (
	"strings"
	"testing"
)

// network create's options are checked before anything is claimed.
func TestValidateCreate(t *testing.T) {
	t.Parallel()
	if err := validateCreate(&CreateOptions{Name: "web", IPAMDriver: "default", Scope: "local"}); err != nil {
		t.Fatalf("valid options: %v", err)
	}
	for _, tc := range []struct {
		o    CreateOptions
		want string
	}{
		{CreateOptions{Name: "-x"}, "invalid network name"},
		{CreateOptions{Name: "n", Driver: "host"}, "only one instance"},
		{CreateOptions{Name: "n", Driver: "macvlan"}, `plugin "macvlan" not found`},
		{CreateOptions{Name: "n", IPAMDriver: "dhcp"}, `plugin "dhcp" not found`},
		{CreateOptions{Name: "n", Scope: "swarm"}, `scope "swarm" is not supported`},
		{CreateOptions{Name: "n", IPv6: true}, "IPv6"},
		{CreateOptions{Name: "n", Options: map[string]string{"mtu": "1400"}}, `network option "mtu"`},
		{CreateOptions{Name: "n", Gateway: "10.0.0.1"}, "need --subnet"},
	} {
		if err := validateCreate(&tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validateCreate(%+v) = %v, want %q", tc.o, err, tc.want)
		}
	}
}
