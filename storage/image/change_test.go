package image

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/strslice"
)

func TestApplyChanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		changes []string
		check   func(c *manifest.Schema2Config) bool
	}{
		{[]string{`CMD ["sh", "-c", "echo hi"]`}, func(c *manifest.Schema2Config) bool {
			return reflect.DeepEqual(c.Cmd, strslice.StrSlice{"sh", "-c", "echo hi"})
		}},
		{[]string{`CMD echo hi`}, func(c *manifest.Schema2Config) bool {
			return reflect.DeepEqual(c.Cmd, strslice.StrSlice{"/bin/sh", "-c", "echo hi"})
		}},
		{[]string{`cmd ["x"]`, `entrypoint ["/bin/app"]`}, func(c *manifest.Schema2Config) bool {
			return c.Cmd[0] == "x" && c.Entrypoint[0] == "/bin/app"
		}},
		{[]string{`ENV A=1 B="two words" C='it''s'`}, func(c *manifest.Schema2Config) bool {
			return reflect.DeepEqual(c.Env, []string{"A=1", "B=two words", "C=its"})
		}},
		{[]string{`ENV A 1 2`, `ENV A=3`}, func(c *manifest.Schema2Config) bool {
			return reflect.DeepEqual(c.Env, []string{"A=3"})
		}},
		{[]string{`ENV PATH=/bin:/usr/bin X=a\ b`}, func(c *manifest.Schema2Config) bool {
			return reflect.DeepEqual(c.Env, []string{"PATH=/bin:/usr/bin", "X=a b"})
		}},
		{[]string{`LABEL a=1 "b c"=2`, `LABEL version 1.0`}, func(c *manifest.Schema2Config) bool {
			return c.Labels["a"] == "1" && c.Labels["b c"] == "2" && c.Labels["version"] == "1.0"
		}},
		{[]string{`EXPOSE 80 53/udp 8000-8002/tcp`}, func(c *manifest.Schema2Config) bool {
			_, a := c.ExposedPorts["80/tcp"]
			_, b := c.ExposedPorts["53/udp"]
			_, d := c.ExposedPorts["8002/tcp"]
			return a && b && d && len(c.ExposedPorts) == 5
		}},
		{[]string{`VOLUME /data /logs`, `VOLUME ["/x"]`}, func(c *manifest.Schema2Config) bool { return len(c.Volumes) == 3 }},
		{[]string{`WORKDIR /srv`, `WORKDIR app`}, func(c *manifest.Schema2Config) bool { return c.WorkingDir == "/srv/app" }},
		{[]string{`WORKDIR rel`}, func(c *manifest.Schema2Config) bool { return c.WorkingDir == "/rel" }},
		{[]string{`USER nobody:nogroup`, `STOPSIGNAL SIGINT`, `ONBUILD RUN echo`}, func(c *manifest.Schema2Config) bool {
			return c.User == "nobody:nogroup" && c.StopSignal == "SIGINT" && c.OnBuild[0] == "RUN echo"
		}},
		{[]string{`HEALTHCHECK --interval=5s --retries=2 CMD curl -f http://localhost/`}, func(c *manifest.Schema2Config) bool {
			h := c.Healthcheck
			return h.Interval == 5*time.Second && h.Retries == 2 && reflect.DeepEqual(h.Test, []string{"CMD-SHELL", "curl -f http://localhost/"})
		}},
		{[]string{`HEALTHCHECK CMD ["true"]`}, func(c *manifest.Schema2Config) bool {
			return reflect.DeepEqual(c.Healthcheck.Test, []string{"CMD", "true"})
		}},
		{[]string{`HEALTHCHECK NONE`}, func(c *manifest.Schema2Config) bool { return c.Healthcheck.Test[0] == "NONE" }},
	} {
		c := &manifest.Schema2Config{}
		if err := ApplyChanges(c, tc.changes); err != nil {
			t.Errorf("ApplyChanges(%q): %v", tc.changes, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("ApplyChanges(%q) = %+v", tc.changes, c)
		}
	}
}

func TestApplyChangesBad(t *testing.T) {
	t.Parallel()
	for change, want := range map[string]string{
		"FROM busybox":                      "FROM is not allowed",
		"RUN echo":                          "RUN is not allowed",
		"CMD":                               "needs an argument",
		"ENV":                               "needs an argument",
		"ENV A":                             "needs a value",
		"ENV =x":                            "not KEY=VALUE",
		`ENV A="unterminated`:               "unterminated",
		"EXPOSE 0":                          "invalid port",
		"EXPOSE 70000":                      "invalid port",
		"EXPOSE 80/xtp":                     "invalid protocol",
		"EXPOSE 90-80":                      "invalid port",
		"HEALTHCHECK --interval=x CMD true": "not a duration",
		"HEALTHCHECK --bogus=1s CMD true":   "unknown HEALTHCHECK option",
		"HEALTHCHECK echo":                  "NONE or [OPTIONS] CMD",
	} {
		err := ApplyChanges(&manifest.Schema2Config{}, []string{change})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "invalid --change") {
			t.Errorf("ApplyChanges(%q) = %v, want %q", change, err, want)
		}
	}
}

func TestSplitWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		`a b  c`:    {"a", "b", "c"},
		`"a b" c`:   {"a b", "c"},
		`a="x y"`:   {"a=x y"},
		`a='x "y"'`: {`a=x "y"`},
		`a\ b`:      {"a b"},
		`""`:        {""},
		`k="a\"b"`:  {`k=a"b`},
		"":          nil,
	} {
		got, err := splitWords(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParsePortSpec(t *testing.T) {
	t.Parallel()
	got, err := ParsePortSpec("8080-8081/UDP")
	if err != nil || !reflect.DeepEqual(got, []string{"8080/udp", "8081/udp"}) {
		t.Errorf("ParsePortSpec = %v, %v", got, err)
	}
}
