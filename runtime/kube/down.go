package kube

import (
	"context"
	"fmt"
	"io"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/pod"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// DownOptions are kube down's flags.
type DownOptions struct {
	// Volumes also removes the named volumes of the YAML's claims
	// (--force); emptyDir volumes always go with their pods.
	Volumes bool
	// Out receives podman's report (Pods stopped:, Pods removed:).
	Out io.Writer
}

// Down removes what Play made of the YAML: the pods of its workloads
// (their containers, emptyDir volumes and files) and, with Volumes, its
// claims' volumes. Pods that are not there are passed over.
func Down(ctx context.Context, e *engine.Engine, sources []Source, o DownOptions) error {
	objs, err := load(sources, false, io.Discard)
	if err != nil {
		return err
	}
	var removed []string
	for _, w := range objs.pods {
		for _, name := range w.podNames() {
			p, err := pod.Lookup(e, name)
			if errdefs.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if err := pod.Remove(ctx, e, p.ID, pod.RemoveOptions{Force: true, Volumes: true}); err != nil {
				return err
			}
			removeLabelled(e, LabelPod, p.ID)
			removed = append(removed, p.ID)
		}
	}
	if o.Volumes {
		claims := map[string]bool{}
		for _, d := range objs.claims {
			claims[objs.volumeName(d.obj.(*PersistentVolumeClaim).Metadata.Name)] = true
		}
		for _, w := range objs.pods {
			for _, v := range w.spec.Volumes {
				if v.PersistentVolumeClaim != nil {
					claims[objs.volumeName(v.PersistentVolumeClaim.ClaimName)] = true
				}
			}
		}
		for name := range claims {
			if err := volume.Remove(e, name, volume.RemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
				return err
			}
		}
	}
	if o.Out != nil && len(removed) > 0 {
		fmt.Fprintln(o.Out, "Pods stopped:")
		for _, id := range removed {
			fmt.Fprintln(o.Out, id)
		}
		fmt.Fprintln(o.Out, "Pods removed:")
		for _, id := range removed {
			fmt.Fprintln(o.Out, id)
		}
	}
	return nil
}

// removeLabelled removes the volumes whose label key is value.
func removeLabelled(e *engine.Engine, key, value string) {
	vols, err := volume.List(e, volume.ListOptions{})
	if err != nil {
		return
	}
	for _, v := range vols {
		if v.Labels[key] == value {
			_ = volume.Remove(e, v.Name, volume.RemoveOptions{Force: true})
		}
	}
}
