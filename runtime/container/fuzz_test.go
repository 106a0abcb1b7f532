package container

import (
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// The single-value flags of run and create: --restart, --detach-keys,
// --add-host, --network's options, --log-opt, --attach, and ps's
// --filter.
func FuzzRunFlagValues(f *testing.F) {
	for _, s := range []string{"always", "on-failure:3", "unless-stopped", "no", "ctrl-p,ctrl-q", "a,ctrl-@", "host:1.2.3.4", "h:::1", "h=host-gateway",
		"net1", "name=n,alias=a,ip=10.0.0.2,mac-address=02:00:00:00:00:01", "max-size=10m", "max-file=3", "stdin", "status=exited", "ancestor=busybox"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseRestartPolicy(s)
		fuzzcheck.OneLine(t, "--restart", err)
		_, err = ParseDetachKeys(s)
		fuzzcheck.OneLine(t, "--detach-keys", err)
		_, _, err = ParseAddHost(s)
		fuzzcheck.OneLine(t, "--add-host", err)
		_, _, err = ParseNetworkValue(s)
		fuzzcheck.OneLine(t, "--network", err)
		_, err = ParseLogConfig("json-file", fuzzcheck.Args(s))
		fuzzcheck.OneLine(t, "--log-opt", err)
		_, err = ParseStreams(fuzzcheck.Args(s), false)
		fuzzcheck.OneLine(t, "--attach", err)
		_, err = ParseFilters(fuzzcheck.Args(s), []string{"status", "ancestor", "name", "label", "exited", "before", "since", "until", "health"})
		fuzzcheck.OneLine(t, "--filter", err)
	})
}
