package netns

import (
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// -p and --expose values and the port keys of inspect's maps.
func FuzzParsePublish(f *testing.F) {
	for _, s := range []string{"80", "8080:80", "127.0.0.1:8080:80/udp", "[::1]:80:80", "8000-8010:80-90", "0.0.0.0::53/sctp",
		":80", "1-65535", "65536:1", "80/tcp", "a:b:c:d", "8080-8079:80", "[::1]::80-81/udp", "-1", "01:02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		ms, err := ParsePublish(spec)
		fuzzcheck.OneLine(t, "-p "+spec, err)
		for _, m := range ms {
			if m.ContainerPort < 0 || m.ContainerPort > 65535 || m.HostPort < 0 || m.HostPort > 65535 {
				t.Fatalf("-p %s: port out of range: %+v", spec, m)
			}
		}
		_, err = ParseExpose(spec)
		fuzzcheck.OneLine(t, "--expose "+spec, err)
		_, _, err = ParsePortKey(spec)
		fuzzcheck.OneLine(t, "port key "+spec, err)
		_, err = ParseMAC(spec)
		fuzzcheck.OneLine(t, "--mac-address "+spec, err)
	})
}
