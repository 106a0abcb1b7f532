package kube

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Source is one YAML stream: a file's name ("-": standard input) and
// its content.
type Source struct {
	Name string
	Data []byte
}

// objects are the documents of the sources, decoded and checked.
type objects struct {
	pods       []*workload
	services   []*document
	claims     []*document
	configMaps map[string]*ConfigMap
	secrets    map[string]*Secret
}

// volumeName is the volume a claim stands for: its AnnotationVolumeName,
// else its name.
func (o *objects) volumeName(claim string) string {
	for _, d := range o.claims {
		if m := d.obj.(*PersistentVolumeClaim).Metadata; m.Name == claim && m.Annotations[AnnotationVolumeName] != "" {
			return m.Annotations[AnnotationVolumeName]
		}
	}
	return claim
}

// workload is a Pod, Deployment, DaemonSet or Job: pods made from one
// template.
type workload struct {
	doc      *document
	name     string
	replicas int
	meta     ObjectMeta // the pods' metadata (a template's)
	spec     PodSpec
}

// podNames are the names of the workload's pods: a Pod's own name,
// NAME-pod for a controller's (and NAME-pod-N for further replicas).
func (w *workload) podNames() []string {
	if w.doc.Kind == "Pod" {
		return []string{w.name}
	}
	out := []string{w.name + "-pod"}
	for i := 1; i < w.replicas; i++ {
		out = append(out, fmt.Sprintf("%s-pod-%d", w.name, i))
	}
	return out
}

// kinds are the types of the kinds skiff plays.
func kinds() map[string]reflect.Type {
	return map[string]reflect.Type{
		"v1/Pod": reflect.TypeOf(Pod{}), "apps/v1/Deployment": reflect.TypeOf(Deployment{}),
		"apps/v1/DaemonSet": reflect.TypeOf(DaemonSet{}), "batch/v1/Job": reflect.TypeOf(Job{}),
		"v1/Service": reflect.TypeOf(Service{}), "v1/PersistentVolumeClaim": reflect.TypeOf(PersistentVolumeClaim{}),
		"v1/ConfigMap": reflect.TypeOf(ConfigMap{}), "v1/Secret": reflect.TypeOf(Secret{}),
	}
}

// load reads and checks every document: one Kubernetes would refuse is
// an error naming it; kinds and fields skiff does not carry out are a
// warning line each (an error with strict).
func load(sources []Source, strict bool, warn io.Writer) (*objects, error) {
	objs := &objects{configMaps: map[string]*ConfigMap{}, secrets: map[string]*Secret{}}
	known := kinds()
	var notes []string
	for _, src := range sources {
		docs, err := parse(src.Data, src.Name)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			t, ok := known[d.APIVersion+"/"+d.Kind]
			if !ok {
				notes = append(notes, fmt.Sprintf("%s: kind %s (%s) is not supported by skiff: skipped", d.where(), d.Kind, d.APIVersion))
				continue
			}
			if err := d.checkKnown(); err != nil {
				return nil, err
			}
			for _, f := range unsupported(d.node, t, "") {
				notes = append(notes, fmt.Sprintf("%s: field %s is not supported by skiff: ignored", d.where(), f))
			}
			v := reflect.New(t)
			if err := d.node.Decode(v.Interface()); err != nil {
				return nil, errdefs.Invalid("%s: %v", d.where(), strings.TrimPrefix(err.Error(), "yaml: "))
			}
			d.obj = v.Interface()
			if err := objs.add(d); err != nil {
				return nil, err
			}
		}
	}
	if strict && len(notes) > 0 {
		return nil, errdefs.Invalid("%s (--strict)", notes[0])
	}
	for _, n := range notes {
		fmt.Fprintf(warn, "WARNING: %s\n", n)
	}
	return objs, nil
}

// add validates a decoded document and files it.
func (o *objects) add(d *document) error {
	switch obj := d.obj.(type) {
	case *Pod:
		if err := d.validateMeta(&obj.Metadata, false); err != nil {
			return err
		}
		if err := d.validatePodSpec(&obj.Spec, "spec"); err != nil {
			return err
		}
		o.pods = append(o.pods, &workload{doc: d, name: obj.Metadata.Name, replicas: 1, meta: obj.Metadata, spec: obj.Spec})
	case *Deployment:
		if err := d.validateWorkload(&obj.Metadata, obj.Spec.Selector, &obj.Spec.Template, "Always"); err != nil {
			return err
		}
		n := 1
		if obj.Spec.Replicas != nil {
			if *obj.Spec.Replicas < 0 {
				return d.fieldErr("spec.replicas", "Invalid value: %d: must be greater than or equal to 0", *obj.Spec.Replicas)
			}
			n = int(*obj.Spec.Replicas)
		}
		o.pods = append(o.pods, &workload{doc: d, name: obj.Metadata.Name, replicas: n, meta: obj.Spec.Template.Metadata, spec: obj.Spec.Template.Spec})
	case *DaemonSet:
		if err := d.validateWorkload(&obj.Metadata, obj.Spec.Selector, &obj.Spec.Template, "Always"); err != nil {
			return err
		}
		o.pods = append(o.pods, &workload{doc: d, name: obj.Metadata.Name, replicas: 1, meta: obj.Spec.Template.Metadata, spec: obj.Spec.Template.Spec})
	case *Job:
		if err := d.validateMeta(&obj.Metadata, false); err != nil {
			return err
		}
		if err := d.validatePodSpec(&obj.Spec.Template.Spec, "spec.template.spec", "OnFailure", "Never"); err != nil {
			return err
		}
		o.pods = append(o.pods, &workload{doc: d, name: obj.Metadata.Name, replicas: 1, meta: obj.Spec.Template.Metadata, spec: obj.Spec.Template.Spec})
	case *Service:
		if err := d.validateMeta(&obj.Metadata, true); err != nil {
			return err
		}
		if err := d.validateService(obj); err != nil {
			return err
		}
		o.services = append(o.services, d)
	case *PersistentVolumeClaim:
		if err := d.validateMeta(&obj.Metadata, false); err != nil {
			return err
		}
		o.claims = append(o.claims, d)
	case *ConfigMap:
		if err := d.validateMeta(&obj.Metadata, false); err != nil {
			return err
		}
		if err := d.validateData(obj.Data, "data", false); err != nil {
			return err
		}
		o.configMaps[obj.Metadata.Name] = obj
	case *Secret:
		if err := d.validateMeta(&obj.Metadata, false); err != nil {
			return err
		}
		if err := d.validateData(obj.Data, "data", true); err != nil {
			return err
		}
		o.secrets[obj.Metadata.Name] = obj
	}
	return nil
}

func (d *document) validateWorkload(m *ObjectMeta, sel *LabelSelector, tmpl *PodTemplateSpec, restart ...string) error {
	if err := d.validateMeta(m, false); err != nil {
		return err
	}
	if err := d.validateSelector(sel, tmpl); err != nil {
		return err
	}
	return d.validatePodSpec(&tmpl.Spec, "spec.template.spec", restart...)
}
