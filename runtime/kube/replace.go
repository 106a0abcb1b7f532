package kube

import (
	"context"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/pod"
)

// replacedPod is a pod --replace set aside: stopped and renamed (its
// containers too), removed once the play succeeds, brought back if it
// fails.
type replacedPod struct {
	id, name string
	running  bool
	ctrs     map[string]string // container ID -> its name
}

// setAside stops the pod of that name and renames it and its containers
// out of the way.
func (pl *player) setAside(name string) error {
	p, err := pod.Lookup(pl.e, name)
	if err != nil {
		return err
	}
	cs, err := p.Members()
	if err != nil {
		return err
	}
	r := replacedPod{id: p.ID, name: p.Name, ctrs: map[string]string{}}
	all, _ := p.Containers()
	r.running = pod.Status(all) == pod.StateRunning || pod.Status(all) == pod.StateDegraded
	if _, err := pod.Stop(pl.ctx, pl.e, p.ID, container.StopOptions{}); err != nil {
		return err
	}
	suffix := "-replaced-" + p.ShortID()
	if _, err := pod.Rename(pl.e, p.ID, p.Name+suffix); err != nil {
		return err
	}
	pl.replaced = append(pl.replaced, r)
	for _, c := range cs {
		if err := container.Rename(pl.e, c.ID, c.Name+suffix); err != nil {
			return err
		}
		pl.replaced[len(pl.replaced)-1].ctrs[c.ID] = c.Name
	}
	return nil
}

// restore brings back the pods set aside, as they were.
func (pl *player) restore() {
	for _, r := range pl.replaced {
		_, _ = pod.Rename(pl.e, r.id, r.name)
		for id, name := range r.ctrs {
			_ = container.Rename(pl.e, id, name)
		}
		if r.running {
			_, _ = pod.Start(context.Background(), pl.e, r.id)
		}
	}
	pl.replaced = nil
}
