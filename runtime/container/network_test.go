package container

import "testing"

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
