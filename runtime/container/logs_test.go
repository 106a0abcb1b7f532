package container

import (
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/dialect"
)

// The default driver and json-file are the dialect's (podman-run(1)
// --log-driver: "json-file aliased to k8s-file"); options are checked per
// driver.
func TestParseLogConfig(t *testing.T) {
	defer dialect.Set(dialect.Docker)
	for _, tc := range []struct {
		d      *dialect.Dialect
		driver string
		opts   []string
		want   string // the driver, or the error's start
	}{
		{dialect.Docker, "", nil, LogDriverJSONFile},
		{dialect.Podman, "", nil, LogDriverK8sFile},
		{dialect.Podman, "json-file", nil, LogDriverK8sFile},
		{dialect.Docker, "k8s-file", []string{"path=/tmp/x.log", "max-size=1m", "max-file=2"}, LogDriverK8sFile},
		{dialect.Docker, "passthrough", nil, LogDriverPassthrough},
		{dialect.Docker, "none", []string{"max-size=1m"}, "the none logging driver takes no --log-opt"},
		{dialect.Docker, "k8s-file", []string{"compress=false"}, `unknown --log-opt "compress"`},
		{dialect.Docker, "json-file", []string{"path=rel.log"}, "invalid --log-opt path=rel.log"},
		{dialect.Docker, "json-file", []string{"path=/no/such/dir/x.log"}, "invalid --log-opt path=/no/such/dir/x.log"},
		{dialect.Docker, "syslog", nil, `logging driver "syslog" is not supported`},
	} {
		dialect.Set(tc.d)
		lc, err := ParseLogConfig(tc.driver, tc.opts)
		got := lc.Type
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: ParseLogConfig(%q, %q) = %q, want %q", tc.d.Name, tc.driver, tc.opts, got, tc.want)
		}
	}
}
