package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v4"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// schema is loadSchema's, made once, when the first document is read.
var schema = sync.OnceValues(loadSchema)

// document is one document of a YAML stream.
type document struct {
	source string // the file, "-" for stdin
	index  int    // 1-based
	node   *yaml.Node
	TypeMeta
	name string
	obj  any // the decoded object (types.go), nil for a kind skiff skips
}

// where names the document in messages: file, number, kind and name.
func (d *document) where() string {
	s := fmt.Sprintf("%s: document %d", d.source, d.index)
	if d.Kind != "" {
		s += " (" + d.Kind
		if d.name != "" {
			s += " " + d.name
		}
		s += ")"
	}
	return s
}

// fieldErr is a refusal of field path in d, in the API server's words
// ("spec.containers[0].name: Required value").
func (d *document) fieldErr(path, format string, args ...any) error {
	return errdefs.Invalid("%s: %s: %s", d.where(), path, fmt.Sprintf(format, args...))
}

// parse reads a YAML stream into documents; a stream that is no YAML is
// refused naming the document and line.
func parse(data []byte, source string) ([]*document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*document
	for i := 1; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, errdefs.Invalid("%s: document %d: not valid YAML: %v", source, i, err)
		}
		root := &n
		if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" || root.Kind == yaml.DocumentNode {
			continue // an empty document
		}
		d := &document{source: source, index: i, node: root}
		if root.Kind != yaml.MappingNode {
			return nil, errdefs.Invalid("%s: not a Kubernetes object (a mapping with apiVersion and kind)", d.where())
		}
		if err := root.Decode(&d.TypeMeta); err != nil {
			return nil, errdefs.Invalid("%s: %v", d.where(), err)
		}
		var meta struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		_ = root.Decode(&meta)
		d.name = meta.Metadata.Name
		switch {
		case d.APIVersion == "":
			return nil, d.fieldErr("apiVersion", "Required value")
		case d.Kind == "":
			return nil, d.fieldErr("kind", "Required value")
		}
		docs = append(docs, d)
	}
}

// checkKnown refuses a field Kubernetes does not know in the document's
// kind (as its strict decoding does), a duplicate field, and a value of
// the wrong shape (a list where an object goes).
func (d *document) checkKnown() error {
	roots, _ := schema()
	root, ok := roots[d.APIVersion+"/"+d.Kind]
	if !ok {
		return nil // a kind skiff does not read: Play skips it
	}
	return d.walkSchema(d.node, root, "")
}

func (d *document) walkSchema(n *yaml.Node, typ, path string) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return nil
	}
	switch {
	case typ == "scalar" || typ == "any":
		if typ == "scalar" && n.Kind != yaml.ScalarNode {
			return d.fieldErr(path, "Invalid value: a single value goes here")
		}
		return nil
	case strings.HasPrefix(typ, "[]"):
		if n.Kind != yaml.SequenceNode {
			return d.fieldErr(path, "Invalid value: a list goes here")
		}
		for i, c := range n.Content {
			if err := d.walkSchema(c, typ[2:], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case strings.HasPrefix(typ, "map[]"):
		if n.Kind != yaml.MappingNode {
			return d.fieldErr(path, "Invalid value: a mapping goes here")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := d.walkSchema(n.Content[i+1], typ[5:], path+"["+n.Content[i].Value+"]"); err != nil {
				return err
			}
		}
		return nil
	}
	_, types := schema()
	fields := types[typ]
	if n.Kind != yaml.MappingNode {
		return d.fieldErr(path, "Invalid value: an object goes here")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		p := joinPath(path, key)
		if seen[key] {
			return d.fieldErr(p, "Duplicate value: the field is given twice (line %d)", n.Content[i].Line)
		}
		seen[key] = true
		ft, ok := fields[key]
		if !ok {
			return d.fieldErr(p, "unknown field %q (line %d): Kubernetes' %s has no such field", key, n.Content[i].Line, typeShort(typ))
		}
		if err := d.walkSchema(n.Content[i+1], ft, p); err != nil {
			return err
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// typeShort is "Container" for "core/v1.Container".
func typeShort(typ string) string {
	if i := strings.LastIndex(typ, "."); i >= 0 {
		return typ[i+1:]
	}
	return typ
}

// unsupported lists the fields the document sets that skiff's types do
// not carry (Kubernetes knows them: checkKnown ran first), as paths.
func unsupported(n *yaml.Node, t reflect.Type, path string) []string {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Tag == "!!null" {
		return nil
	}
	switch t.Kind() {
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		var out []string
		for i, c := range n.Content {
			out = append(out, unsupported(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var out []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, unsupported(n.Content[i+1], t.Elem(), path+"["+n.Content[i].Value+"]")...)
		}
		return out
	case reflect.Struct:
	default:
		return nil
	}
	if n.Kind != yaml.MappingNode || t == reflect.TypeOf(IntOrString{}) {
		return nil
	}
	fields := structFields(t)
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		ft, ok := fields[key]
		if !ok {
			if !slices.Contains(ignoredFields, key) {
				out = append(out, joinPath(path, key))
			}
			continue
		}
		out = append(out, unsupported(n.Content[i+1], ft, joinPath(path, key))...)
	}
	return out
}

// ignoredFields are fields that say nothing skiff must carry out: an
// object's status, server-set metadata, scheduling hints for a cluster.
var ignoredFields = []string{"status", "creationTimestamp", "resourceVersion", "uid", "generation",
	"managedFields", "selfLink", "terminationMessagePath", "terminationMessagePolicy", "dnsPolicy",
	"schedulerName", "enableServiceLinks", "serviceAccountName", "serviceAccount", "nodeSelector",
	"affinity", "tolerations", "priority", "priorityClassName", "preemptionPolicy", "strategy",
	"revisionHistoryLimit", "progressDeadlineSeconds", "minReadySeconds", "updateStrategy",
	"automountServiceAccountToken", "topologySpreadConstraints", "clusterIPs",
	"ipFamilies", "ipFamilyPolicy", "sessionAffinity", "externalTrafficPolicy", "internalTrafficPolicy",
	"volumeMode", "volumeName", "storageClassName", "appProtocol", "generateName", "ownerReferences",
	"finalizers", "namespace"}

// structFields maps yaml names to field types, inline structs included.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			for k, v := range structFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}
