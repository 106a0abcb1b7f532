package container

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/runtime/spec"
)

type flagMap = FlagMap

func TestParseCreateFlags(t *testing.T) {
	t.Parallel()
	o, err := ParseCreateFlags(flagMap{
		"pull": "missing", "uts": "host", "cgroupns": "host", "oom-score-adj": 500,
		"annotation": []string{"a=1"}, "label": []string{"l"}, "shm-size": "128m",
		"health-interval": 2 * time.Second, "restart": "on-failure:3", "detach": true,
		"memory": "32m", "cpus": "0.5", "pids-limit": "20", "oom-kill-disable": true,
	}, []string{"busybox", "true"})
	if err != nil {
		t.Fatal(err)
	}
	s := o.Spec
	if s.Image != "busybox" || s.Command[0] != "true" || !s.UTSHost || !s.CgroupnsHost || *s.OOMScoreAdj != 500 ||
		s.Annotations["a"] != "1" || s.Labels["l"] != "" || s.ShmSize != 128<<20 || *o.Health.Interval != 2*time.Second ||
		o.RestartPolicy.MaximumRetryCount != 3 || !o.Detach || o.Streams != (Streams{}) || o.Pull.Policy != "missing" ||
		s.Resources.Memory != 32<<20 || s.Resources.NanoCPUs != 5e8 || *s.Resources.PidsLimit != 20 || !*s.Resources.OomKillDisable {
		t.Errorf("options: %+v", o)
	}
	for _, tc := range []struct {
		flags flagMap
		want  string
	}{
		{flagMap{"pull": "sometimes"}, "invalid --pull value"},
		{flagMap{"pull": "never", "uts": "private"}, "invalid UTS mode"},
		{flagMap{"pull": "never", "cgroupns": "x"}, "invalid --cgroupns"},
		{flagMap{"pull": "never", "annotation": []string{"k"}}, "invalid --annotation"},
		{flagMap{"pull": "never", "shm-size": "-1"}, "invalid --shm-size"},
		{flagMap{"pull": "never", "label": []string{"=v"}}, "invalid label"},
		{flagMap{"pull": "never", "volume-driver": "nfs"}, "volume driver"},
		{flagMap{"pull": "never", "detach": true, "attach": []string{"stdout"}}, "--attach and --detach"},
		{flagMap{"pull": "never", "restart": "sometimes"}, "invalid restart policy"},
		{flagMap{"pull": "never", "memory": "12q"}, `invalid argument "12q" for "-m, --memory" flag`},
		{flagMap{"pull": "never", "cpus": "x"}, `invalid argument "x" for "--cpus" flag`},
	} {
		if _, err := ParseCreateFlags(tc.flags, []string{"i"}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCreateFlags(%v) = %v, want %q", tc.flags, err, tc.want)
		}
	}
}

func TestValidateCreateOptions(t *testing.T) {
	t.Parallel()
	neg, big, short := -1, 1001, time.Microsecond
	for _, tc := range []struct {
		change func(*CreateOptions)
		want   string
	}{
		{func(o *CreateOptions) { o.Spec.Image = "" }, "an image name is required"},
		{func(o *CreateOptions) { o.Spec.WorkingDir = "rel" }, "absolute path"},
		{func(o *CreateOptions) { o.Spec.StopSignal = "SIGNOPE" }, "signal"},
		{func(o *CreateOptions) { o.Spec.PIDMode = "container:" }, "invalid PID mode"},
		{func(o *CreateOptions) { o.Spec.IPCMode = "bogus" }, "invalid IPC mode"},
		{func(o *CreateOptions) { o.Spec.OOMScoreAdj = &big }, "invalid --oom-score-adj"},
		{func(o *CreateOptions) { o.Spec.Env = []string{"=x"} }, "invalid environment variable"},
		{func(o *CreateOptions) { o.Spec.UTSHost, o.Spec.Hostname = true, "h" }, "hostname and the UTS mode"},
		{func(o *CreateOptions) { o.AutoRemove, o.RestartPolicy.Name = true, "always" }, "--restart and --rm"},
		{func(o *CreateOptions) { o.Name = "-bad" }, "invalid container name"},
		{func(o *CreateOptions) { o.Health.Disable, o.Health.Cmd = true, "true" }, "--no-healthcheck conflicts"},
		{func(o *CreateOptions) { o.Health.Interval = &short }, "less than 1ms"},
		{func(o *CreateOptions) { o.Health.Retries = &neg }, "--health-retries cannot be negative"},
		{func(o *CreateOptions) { o.AddHosts = []string{"db"} }, "add-host"},
		{func(o *CreateOptions) { o.DNS = []string{"dns.example"} }, "not an ip address"},
		{func(o *CreateOptions) { o.Spec.Resources.Memory = 1 << 20 }, "Minimum memory limit allowed is 6MB"},
	} {
		o := CreateOptions{Spec: spec.Options{Image: "busybox"}}
		if err := o.validate(nil); err != nil {
			t.Fatalf("valid options: %v", err)
		}
		tc.change(&o)
		if err := o.validate(nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate = %v, want %q", err, tc.want)
		}
	}
}

// update takes the restart policy and the live limits; only the limits
// given are set, and giving no flag is an error.
func TestParseUpdateFlags(t *testing.T) {
	t.Parallel()
	o, err := ParseUpdateFlags(flagMap{"memory": "64m", "pids-limit": "-1"})
	if err != nil {
		t.Fatal(err)
	}
	if o.RestartPolicy != nil || o.Resources == nil || o.Resources.Memory != 64<<20 || o.Resources.PidsLimit == nil || o.Resources.CPUShares != 0 {
		t.Errorf("options: %+v %+v", o, o.Resources)
	}
	if o, err = ParseUpdateFlags(flagMap{"restart": "always"}); err != nil || o.Resources != nil || o.RestartPolicy.Name != "always" {
		t.Errorf("--restart alone: %+v, %v", o, err)
	}
	for _, tc := range []struct {
		flags flagMap
		want  string
	}{
		{flagMap{}, "you must provide one or more flags"},
		{flagMap{"memory": "lots"}, `invalid argument "lots" for "-m, --memory" flag`},
		{flagMap{"restart": "always", "cpu-shares": "x"}, `for "-c, --cpu-shares" flag`},
	} {
		if _, err := ParseUpdateFlags(tc.flags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseUpdateFlags(%v) = %v, want %q", tc.flags, err, tc.want)
		}
	}
}

func TestParseNetworkValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, name string
		eo       *EndpointOptions
		bad      bool
	}{
		{in: "bridge", name: "bridge"},
		{in: "container:web", name: "container:web"},
		{in: "name=front,alias=web,alias=www,ip=10.1.2.3", name: "front",
			eo: &EndpointOptions{Aliases: []string{"web", "www"}, IP: "10.1.2.3"}},
		{in: "name=back,mac-address=02:42:ac:11:00:02", name: "back", eo: &EndpointOptions{MacAddress: "02:42:ac:11:00:02"}},
		{in: "name=back,gw-priority=-3", name: "back", eo: &EndpointOptions{GwPriority: -3}},
		{in: "name=back,gw-priority=high", bad: true},
		{in: "name=back,driver-opt=x=y", bad: true},
		{in: "name=back,alias", bad: true},
	} {
		name, eo, err := ParseNetworkValue(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: no error", tc.in)
			}
			continue
		}
		if err != nil || name != tc.name || !reflect.DeepEqual(eo, tc.eo) {
			t.Errorf("%s = %q, %+v, %v; want %q, %+v", tc.in, name, eo, err, tc.name, tc.eo)
		}
	}
}
