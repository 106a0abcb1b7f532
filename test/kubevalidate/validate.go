// Package kubevalidate checks Kubernetes YAML the way the API server
// does: every document decodes strictly into the k8s.io/api type of its
// kind (an unknown or duplicate field is refused), is defaulted and
// converted as the API server converts it, and passes the API's own
// validation (k8s.io/kubernetes/pkg/apis/{core,apps,batch}/validation).
//
// It is a module of its own: k8s.io/kubernetes cannot be a dependency of
// skiff's binary (its go.mod replaces the k8s.io staging modules with
// v0.0.0, so this go.mod pins them), and it never is: skiff writes and
// reads Kubernetes YAML through its own small types (runtime/kube). The
// tests of this module validate what skiff's tests generate; the
// command in cmd/kubevalidate does the same for e2e tests.
package kubevalidate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	podutil "k8s.io/kubernetes/pkg/api/pod"
	"k8s.io/kubernetes/pkg/apis/apps"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	appsvalidation "k8s.io/kubernetes/pkg/apis/apps/validation"
	"k8s.io/kubernetes/pkg/apis/batch"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	batchvalidation "k8s.io/kubernetes/pkg/apis/batch/validation"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	"k8s.io/kubernetes/pkg/capabilities"
	"sigs.k8s.io/yaml"
)

// Document is one YAML document's kind and name, as validated.
type Document struct {
	Kind, Name string
	// Skipped is set for a kind this package does not check (none that
	// skiff generates).
	Skipped bool
}

// ErrNotChecked is One's answer for a kind it does not check.
var ErrNotChecked = errors.New("a kind skiff neither generates nor plays: not checked")

func init() {
	// The API server's default (--allow-privileged=true): privileged
	// containers are valid.
	capabilities.Initialize(capabilities.Capabilities{AllowPrivileged: true})
}

// All validates every document of a multi-document YAML stream and
// returns them; the first refusal names its document, field and reason.
func All(r io.Reader) ([]Document, error) {
	rd := utilyaml.NewYAMLReader(bufioReader(r))
	var docs []Document
	for i := 1; ; i++ {
		b, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, fmt.Errorf("document %d: %w", i, err)
		}
		if len(bytes.TrimSpace(stripComments(b))) == 0 {
			continue
		}
		d, err := One(b)
		if errors.Is(err, ErrNotChecked) {
			d.Skipped = true
			docs = append(docs, d)
			continue
		}
		if err != nil {
			return docs, fmt.Errorf("document %d (%s %s): %w", i, d.Kind, d.Name, err)
		}
		docs = append(docs, d)
	}
}

func stripComments(b []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// One validates one document.
func One(b []byte) (Document, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		return Document{}, err
	}
	d := Document{Kind: meta.Kind, Name: meta.Metadata.Name}
	type kind struct {
		external runtime.Object
		internal runtime.Object
		validate func(runtime.Object) field.ErrorList
	}
	kinds := map[string]kind{
		"v1/Pod": {&corev1.Pod{}, &core.Pod{}, func(o runtime.Object) field.ErrorList {
			p := o.(*core.Pod)
			return corevalidation.ValidatePodCreate(p, podutil.GetValidationOptionsFromPodSpecAndMeta(&p.Spec, nil, &p.ObjectMeta, nil))
		}},
		"v1/Service": {&corev1.Service{}, &core.Service{}, func(o runtime.Object) field.ErrorList {
			return corevalidation.ValidateServiceCreate(o.(*core.Service))
		}},
		"v1/PersistentVolumeClaim": {&corev1.PersistentVolumeClaim{}, &core.PersistentVolumeClaim{}, func(o runtime.Object) field.ErrorList {
			pvc := o.(*core.PersistentVolumeClaim)
			return corevalidation.ValidatePersistentVolumeClaim(pvc, corevalidation.ValidationOptionsForPersistentVolumeClaim(pvc, nil))
		}},
		"v1/ConfigMap": {&corev1.ConfigMap{}, &core.ConfigMap{}, func(o runtime.Object) field.ErrorList {
			return corevalidation.ValidateConfigMap(o.(*core.ConfigMap))
		}},
		"v1/Secret": {&corev1.Secret{}, &core.Secret{}, func(o runtime.Object) field.ErrorList {
			return corevalidation.ValidateSecret(o.(*core.Secret))
		}},
		"apps/v1/Deployment": {&appsv1.Deployment{}, &apps.Deployment{}, func(o runtime.Object) field.ErrorList {
			dep := o.(*apps.Deployment)
			return appsvalidation.ValidateDeployment(dep, podutil.GetValidationOptionsFromPodTemplate(&dep.Spec.Template, nil))
		}},
		"apps/v1/DaemonSet": {&appsv1.DaemonSet{}, &apps.DaemonSet{}, func(o runtime.Object) field.ErrorList {
			ds := o.(*apps.DaemonSet)
			return appsvalidation.ValidateDaemonSet(ds, podutil.GetValidationOptionsFromPodTemplate(&ds.Spec.Template, nil))
		}},
		"batch/v1/Job": {&batchv1.Job{}, &batch.Job{}, func(o runtime.Object) field.ErrorList {
			job := o.(*batch.Job)
			// the options the API server's Job strategy uses for a create
			return batchvalidation.ValidateJobCreate(job, batchvalidation.JobValidationOptions{
				PodValidationOptions:  podutil.GetValidationOptionsFromPodTemplate(&job.Spec.Template, nil),
				RequirePrefixedLabels: true,
			})
		}},
	}
	k, ok := kinds[meta.APIVersion+"/"+meta.Kind]
	if !ok {
		return d, ErrNotChecked
	}
	if err := yaml.UnmarshalStrict(b, k.external); err != nil {
		return d, fmt.Errorf("strict decoding: %w", err)
	}
	if m, ok := k.external.(metav1.Object); ok && m.GetNamespace() == "" {
		m.SetNamespace("default") // what the API server takes from the request (kubectl's default)
	}
	legacyscheme.Scheme.Default(k.external)
	if err := legacyscheme.Scheme.Convert(k.external, k.internal, nil); err != nil {
		return d, fmt.Errorf("converting: %w", err)
	}
	switch obj := k.internal.(type) {
	case *batch.Job:
		prepareJob(obj)
	case *core.Service:
		// the API server's Service strategy keeps clusterIPs in step with
		// clusterIP before validating a create
		if obj.Spec.ClusterIP != "" && len(obj.Spec.ClusterIPs) == 0 {
			obj.Spec.ClusterIPs = []string{obj.Spec.ClusterIP}
		}
	}
	if errs := k.validate(k.internal); len(errs) > 0 {
		return d, errs.ToAggregate()
	}
	return d, nil
}

// prepareJob does what the API server's Job strategy does before
// validating a create (pkg/registry/batch/job: generateSelector): a Job
// without manualSelector gets a selector and template labels naming its
// UID.
func prepareJob(job *batch.Job) {
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector {
		return
	}
	job.UID = types.UID("2b9f1c3e-5d7a-4e8b-9c0d-1e2f3a4b5c6d")
	labels := map[string]string{
		batch.ControllerUidLabel: string(job.UID), batch.JobNameLabel: job.Name,
		batch.LegacyControllerUidLabel: string(job.UID), batch.LegacyJobNameLabel: job.Name,
	}
	if job.Spec.Template.Labels == nil {
		job.Spec.Template.Labels = map[string]string{}
	}
	for k, v := range labels {
		job.Spec.Template.Labels[k] = v
	}
	job.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{batch.ControllerUidLabel: string(job.UID)}}
}
