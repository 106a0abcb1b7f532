package netns

import (
	"reflect"
	"testing"
)

func TestParsePublish(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []PortMapping
	}{
		{"80", []PortMapping{{ContainerPort: 80, Proto: "tcp"}}},
		{"80/udp", []PortMapping{{ContainerPort: 80, Proto: "udp"}}},
		{"8080:80", []PortMapping{{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{"8080:80/TCP", []PortMapping{{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{"127.0.0.1:8080:80", []PortMapping{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{"127.0.0.1::80", []PortMapping{{HostIP: "127.0.0.1", ContainerPort: 80, Proto: "tcp"}}},
		{"0:80", []PortMapping{{ContainerPort: 80, Proto: "tcp"}}},
		{"[::1]:8080:80", []PortMapping{{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{"::1:8080:80", []PortMapping{{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}}},
		{"8000-8001:80-81/udp", []PortMapping{
			{HostPort: 8000, ContainerPort: 80, Proto: "udp"}, {HostPort: 8001, ContainerPort: 81, Proto: "udp"}}},
		{"8000-8010:80", []PortMapping{{HostPort: 8000, HostPortEnd: 8010, ContainerPort: 80, Proto: "tcp"}}},
		{"80-81", []PortMapping{{ContainerPort: 80, Proto: "tcp"}, {ContainerPort: 81, Proto: "tcp"}}},
		{"1.2.3.4::80-81", []PortMapping{
			{HostIP: "1.2.3.4", ContainerPort: 80, Proto: "tcp"}, {HostIP: "1.2.3.4", ContainerPort: 81, Proto: "tcp"}}},
	} {
		got, err := ParsePublish(tc.in)
		if err != nil {
			t.Errorf("ParsePublish(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePublish(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParsePublishErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "0", "65536", "80/sctp", "80/icmp", "x:80", "8080:x", "1.2.3:8080:80", "8000-8002:80-81",
		"81-80", "[::1:8080:80", "[::1]8080:80", ":", "8080:",
	} {
		if got, err := ParsePublish(in); err == nil {
			t.Errorf("ParsePublish(%q) = %+v, want an error", in, got)
		}
	}
}

func TestPortMappingStrings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m         PortMapping
		key, host string
	}{
		{PortMapping{ContainerPort: 80, Proto: "tcp"}, "80/tcp", ""},
		{PortMapping{HostPort: 8080, ContainerPort: 53, Proto: "udp"}, "53/udp", "8080"},
		{PortMapping{HostPort: 8000, HostPortEnd: 8010, ContainerPort: 80, Proto: "tcp"}, "80/tcp", "8000-8010"},
	} {
		if k, h := tc.m.Key(), tc.m.HostPortString(); k != tc.key || h != tc.host {
			t.Errorf("%+v: key %q host %q, want %q %q", tc.m, k, h, tc.key, tc.host)
		}
	}
}

func TestParseExpose(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "80", want: []string{"80/tcp"}},
		{in: "53/udp", want: []string{"53/udp"}},
		{in: "8000-8002", want: []string{"8000/tcp", "8001/tcp", "8002/tcp"}},
		{in: "0", bad: true},
		{in: "80/sctp", bad: true},
		{in: "x", bad: true},
	} {
		got, err := ParseExpose(tc.in)
		if (err != nil) != tc.bad || !tc.bad && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseExpose(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestFormatPorts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bound   []BoundPort
		exposed []string
		want    string
	}{
		{nil, nil, ""},
		{nil, []string{"80/tcp"}, "80/tcp"},
		{[]BoundPort{{"tcp", "0.0.0.0", 8080, 80}, {"tcp", "::", 8080, 80}}, []string{"80/tcp", "443/tcp"},
			"0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp"},
		{[]BoundPort{{"tcp", "127.0.0.1", 8000, 80}, {"tcp", "127.0.0.1", 8001, 81}}, nil, "127.0.0.1:8000-8001->80-81/tcp"},
		{[]BoundPort{{"udp", "0.0.0.0", 5353, 53}}, nil, "0.0.0.0:5353->53/udp"},
		{[]BoundPort{{"tcp", "::1", 9000, 90}}, nil, "[::1]:9000->90/tcp"},
	} {
		if got := FormatPorts(tc.bound, tc.exposed); got != tc.want {
			t.Errorf("FormatPorts(%v, %v) = %q, want %q", tc.bound, tc.exposed, got, tc.want)
		}
	}
}

func TestParsePortKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		port  int
		proto string
		bad   bool
	}{
		{in: "80/tcp", port: 80, proto: "tcp"},
		{in: "53/udp", port: 53, proto: "udp"},
		{in: "80", port: 80, proto: "tcp"},
		{in: "80/x", bad: true},
		{in: "0/tcp", bad: true},
	} {
		p, proto, err := ParsePortKey(tc.in)
		if (err != nil) != tc.bad || !tc.bad && (p != tc.port || proto != tc.proto) {
			t.Errorf("ParsePortKey(%q) = %d %q %v", tc.in, p, proto, err)
		}
	}
}
