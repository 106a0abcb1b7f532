package network

import (
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/events"
)

// Event records a network event with docker's attributes: name and
// type, then kv (key, value, ...). Connect and disconnect
// (runtime/container) record theirs through it too.
func (n *Network) Event(e *engine.Engine, action string, kv ...string) {
	attrs := map[string]string{"name": n.Name, "type": n.Driver}
	for i := 0; i+1 < len(kv); i += 2 {
		attrs[kv[i]] = kv[i+1]
	}
	events.Record(e, events.Network, action, n.ID, attrs)
}
