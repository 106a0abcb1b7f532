package container

import "testing"

// inspect's HostConfig keeps docker's JSON names and typed values.
func TestInspectHostConfig(t *testing.T) {
	t.Parallel()
	c := &Container{}
	c.HostConfig.NetworkMode, c.HostConfig.ShmSize = "none", 67108864
	c.HostConfig.RestartPolicy = RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}
	m := c.inspectHostConfig()
	if m["NetworkMode"] != "none" || m["ShmSize"] != int64(67108864) || m["Memory"] != int64(0) {
		t.Errorf("values: %v %v %v", m["NetworkMode"], m["ShmSize"], m["Memory"])
	}
	if _, ok := m["Dns"]; !ok || m["DNS"] != nil {
		t.Errorf("JSON names: Dns %v DNS %v", m["Dns"], m["DNS"])
	}
	if _, ok := m["Init"]; ok {
		t.Errorf("omitempty Init present")
	}
	if rp, ok := m["RestartPolicy"].(RestartPolicy); !ok || rp.MaximumRetryCount != 3 {
		t.Errorf("RestartPolicy = %#v", m["RestartPolicy"])
	}
	if b, ok := m["Binds"].([]string); !ok || b != nil {
		t.Errorf("Binds = %#v, want a nil []string", m["Binds"])
	}
}
