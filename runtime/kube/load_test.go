package kube

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Every document of testdata/play/bad is refused, naming the document,
// the field and the reason, as the API server does (test/kubevalidate
// checks that Kubernetes refuses each too).
func TestLoadRefuses(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"unknown-field.yaml":         `spec.containers[0].imagePolicy: unknown field "imagePolicy" (line 8): Kubernetes' Container has no such field`,
		"missing-image.yaml":         "spec.containers[0].image: Required value",
		"bad-name.yaml":              `metadata.name: Invalid value: "Web_1"`,
		"duplicate-container.yaml":   `spec.containers[1].name: Duplicate value: "web"`,
		"bad-port.yaml":              "spec.containers[0].ports[0].containerPort: Invalid value: 70000",
		"mount-without-volume.yaml":  `spec.containers[0].volumeMounts[0].name: Not found: "data"`,
		"selector-mismatch.yaml":     "spec.template.metadata.labels: Invalid value",
		"job-restart-always.yaml":    "spec.template.spec.restartPolicy: Unsupported value: \"Always\"",
		"bad-protocol.yaml":          `spec.containers[0].ports[0].protocol: Unsupported value: "HTTP"`,
		"wrong-shape.yaml":           "spec.containers: Invalid value: a list goes here",
		"no-containers.yaml":         "spec.containers: Required value",
		"duplicate-field.yaml":       "spec.containers[0].image: Duplicate value",
		"service-without-ports.yaml": "spec.ports: Required value",
		"restart-policy.yaml":        `spec.restartPolicy: Unsupported value: "Sometimes"`,
		"secret-not-base64.yaml":     "data[token]: Invalid value: not base64",
		"label-value.yaml":           `metadata.labels: Invalid value: "has spaces"`,
		"missing-name.yaml":          "metadata.name: Required value",
		"two-volume-sources.yaml":    "spec.volumes[0]: Forbidden: may not specify more than 1 volume type",
		"bad-quantity.yaml":          `spec.containers[0].resources.limits[memory]: Invalid value: "64Mb": quantities must match`,
		"request-over-limit.yaml":    `spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m`,
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "play", "bad", "*.yaml"))
	if len(files) != len(want) {
		t.Errorf("%d bad files, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, err = load([]Source{{Name: filepath.Base(f), Data: b}}, false, &bytes.Buffer{})
		w := want[filepath.Base(f)]
		switch {
		case err == nil:
			t.Errorf("%s: accepted", f)
		case !errors.Is(err, errdefs.ErrInvalid):
			t.Errorf("%s: %v is not an invalid-input error (exit 125)", f, err)
		case !strings.Contains(err.Error(), w) || !strings.HasPrefix(err.Error(), filepath.Base(f)+": document 1 ("):
			t.Errorf("%s:\n got %v\nwant %s: document 1 (KIND NAME): ...%s", f, err, filepath.Base(f), w)
		}
	}
}

// The good documents load; what skiff does not carry out is one warning
// line each, and --strict refuses the first.
func TestLoadWarns(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "play", "good", "everything.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	objs, err := load([]Source{{Name: "everything.yaml", Data: b}}, false, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.pods) != 1 || len(objs.services) != 1 || len(objs.claims) != 1 || len(objs.configMaps) != 1 || len(objs.secrets) != 1 {
		t.Errorf("loaded %d pods, %d services, %d claims, %d configmaps, %d secrets", len(objs.pods), len(objs.services), len(objs.claims), len(objs.configMaps), len(objs.secrets))
	}
	for _, w := range []string{
		"document 4 (Pod app): field spec.containers[0].startupProbe is not supported by skiff: ignored",
		"document 4 (Pod app): field spec.containers[0].lifecycle is not supported by skiff: ignored",
		"document 6 (Ingress app): kind Ingress (networking.k8s.io/v1) is not supported by skiff: skipped",
	} {
		if !strings.Contains(warn.String(), "WARNING: everything.yaml: "+w+"\n") {
			t.Errorf("no warning %q in:\n%s", w, warn.String())
		}
	}
	if strings.Contains(warn.String(), "nodeSelector") {
		t.Errorf("a scheduling hint is warned about:\n%s", warn.String())
	}
	if _, err := load([]Source{{Name: "everything.yaml", Data: b}}, true, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "(--strict)") {
		t.Errorf("strict: %v", err)
	}
}

func TestLoadNotYAML(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"tabs":      "apiVersion: v1\n\tkind: Pod\n",
		"list":      "- a\n- b\n",
		"no-kind":   "apiVersion: v1\nmetadata: {name: x}\n",
		"no-apiver": "kind: Pod\nmetadata: {name: x}\n",
	} {
		if _, err := load([]Source{{Name: name, Data: []byte(data)}}, false, &bytes.Buffer{}); err == nil || !errors.Is(err, errdefs.ErrInvalid) || !strings.HasPrefix(err.Error(), name+": document 1") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestQuantityBytes(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]int64{"64Mi": 64 << 20, "1Gi": 1 << 30, "1k": 1000, "2048": 2048, "1.5Ki": 1536, "5000m": 5, "129e6": 129e6, "+1M": 1e6} {
		if n, err := quantityBytes(q); err != nil || n != want {
			t.Errorf("%s: %d, %v", q, n, err)
		}
	}
	for _, q := range []string{"1m", "x", "Mi", "64Mb", "1..2", "-1Mi", "inf", "0x10", "1e", "--1"} {
		if _, err := quantityBytes(q); err == nil {
			t.Errorf("%s accepted", q)
		}
	}
	for q, want := range map[string]int64{"500m": 500, "1": 1000, "0.25": 250, "2.5": 2500, "100u": 1, "1e-3": 1} {
		if n, err := quantityMilli(q); err != nil || n != want {
			t.Errorf("cpu %s: %d, %v", q, n, err)
		}
	}
}
