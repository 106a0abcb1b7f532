package container

import (
	"maps"

	"github.com/skiff-containers/skiff/runtime/events"
)

// event records a container event with docker's attributes: the image as
// given, the name, the labels, then kv (key, value, ...).
func (c *Container) event(action string, kv ...string) {
	attrs := maps.Clone(c.Config.Labels)
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["image"], attrs["name"] = c.Config.Image, c.Name
	for i := 0; i+1 < len(kv); i += 2 {
		attrs[kv[i]] = kv[i+1]
	}
	events.Record(c.e, events.Container, action, c.ID, attrs)
}
