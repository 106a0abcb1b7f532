package kube

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
)

// The rules of the Kubernetes API's validation that a document must
// meet before skiff plays it, in the API server's words: a document
// Kubernetes would refuse is refused here too (test/kubevalidate checks
// each case against the real validation).

func (d *document) validateMeta(m *ObjectMeta, dns1035 bool) error {
	switch {
	case m.Name == "":
		return d.fieldErr("metadata.name", "Required value: name or generateName is required")
	case dns1035 && (!isLabel(m.Name) || m.Name[0] < 'a' || m.Name[0] > 'z'):
		return d.fieldErr("metadata.name", "Invalid value: %q: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", m.Name)
	case !dns1035 && !isSubdomain(m.Name):
		return d.fieldErr("metadata.name", "Invalid value: %q: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", m.Name)
	}
	for k, v := range m.Labels {
		if !isQualifiedName(k) {
			return d.fieldErr("metadata.labels", "Invalid value: %q: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", k)
		}
		if !isLabelValue(v) {
			return d.fieldErr("metadata.labels", "Invalid value: %q: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", v)
		}
	}
	for k := range m.Annotations {
		if !isQualifiedName(k) {
			return d.fieldErr("metadata.annotations", "Invalid value: %q: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", k)
		}
	}
	return nil
}

func (d *document) validatePodSpec(s *PodSpec, path string, restartPolicies ...string) error {
	if len(s.Containers) == 0 {
		return d.fieldErr(path+".containers", "Required value")
	}
	vols := map[string]bool{}
	for i, v := range s.Volumes {
		p := fmt.Sprintf("%s.volumes[%d].name", path, i)
		switch {
		case v.Name == "":
			return d.fieldErr(p, "Required value")
		case !isLabel(v.Name):
			return d.fieldErr(p, "Invalid value: %q: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", v.Name)
		case vols[v.Name]:
			return d.fieldErr(p, "Duplicate value: %q", v.Name)
		}
		vols[v.Name] = true
		if err := d.validateVolume(&v, fmt.Sprintf("%s.volumes[%d]", path, i)); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for _, list := range []struct {
		field string
		cs    []Container
	}{{"initContainers", s.InitContainers}, {"containers", s.Containers}} {
		for i := range list.cs {
			if err := d.validateContainer(&list.cs[i], fmt.Sprintf("%s.%s[%d]", path, list.field, i), names, vols); err != nil {
				return err
			}
		}
	}
	if len(restartPolicies) == 0 {
		restartPolicies = []string{"Always", "OnFailure", "Never"}
	}
	rp := s.RestartPolicy
	if rp == "" {
		rp = "Always" // Kubernetes' default
	}
	if !slices.Contains(restartPolicies, rp) {
		if s.RestartPolicy == "" {
			return d.fieldErr(path+".restartPolicy", "Required value: valid values: %q", restartPolicies)
		}
		return d.fieldErr(path+".restartPolicy", "Unsupported value: %q: supported values: %q", s.RestartPolicy, restartPolicies)
	}
	if s.Hostname != "" && !isLabel(s.Hostname) {
		return d.fieldErr(path+".hostname", "Invalid value: %q: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'", s.Hostname)
	}
	return nil
}

func (d *document) validateVolume(v *Volume, path string) error {
	n := 0
	for _, set := range []bool{v.HostPath != nil, v.EmptyDir != nil, v.PersistentVolumeClaim != nil, v.ConfigMap != nil, v.Secret != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return d.fieldErr(path, "Forbidden: may not specify more than 1 volume type")
	}
	switch {
	case v.HostPath != nil && v.HostPath.Path == "":
		return d.fieldErr(path+".hostPath.path", "Required value")
	case v.HostPath != nil && v.HostPath.Type != nil && !slices.Contains([]string{"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"}, *v.HostPath.Type):
		return d.fieldErr(path+".hostPath.type", "Unsupported value: %q", *v.HostPath.Type)
	case v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "":
		return d.fieldErr(path+".persistentVolumeClaim.claimName", "Required value")
	case v.ConfigMap != nil && v.ConfigMap.Name == "":
		return d.fieldErr(path+".configMap.name", "Required value")
	case v.Secret != nil && v.Secret.SecretName == "":
		return d.fieldErr(path+".secret.secretName", "Required value")
	case v.EmptyDir != nil && v.EmptyDir.Medium != "" && v.EmptyDir.Medium != "Memory":
		return nil // HugePages: refused when played
	}
	return nil
}

func (d *document) validateContainer(c *Container, path string, names, vols map[string]bool) error {
	switch {
	case c.Name == "":
		return d.fieldErr(path+".name", "Required value")
	case !isLabel(c.Name):
		return d.fieldErr(path+".name", "Invalid value: %q: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", c.Name)
	case names[c.Name]:
		return d.fieldErr(path+".name", "Duplicate value: %q", c.Name)
	case c.Image == "":
		return d.fieldErr(path+".image", "Required value")
	}
	names[c.Name] = true
	for i, p := range c.Ports {
		pp := fmt.Sprintf("%s.ports[%d]", path, i)
		switch {
		case p.ContainerPort < 1 || p.ContainerPort > 65535:
			return d.fieldErr(pp+".containerPort", "Invalid value: %d: must be between 1 and 65535, inclusive", p.ContainerPort)
		case p.HostPort < 0 || p.HostPort > 65535:
			return d.fieldErr(pp+".hostPort", "Invalid value: %d: must be between 1 and 65535, inclusive", p.HostPort)
		case p.Protocol != "" && !slices.Contains([]string{"TCP", "UDP", "SCTP"}, p.Protocol):
			return d.fieldErr(pp+".protocol", "Unsupported value: %q: supported values: \"SCTP\", \"TCP\", \"UDP\"", p.Protocol)
		}
	}
	for i, e := range c.Env {
		if e.Name == "" {
			return d.fieldErr(fmt.Sprintf("%s.env[%d].name", path, i), "Required value")
		}
		if e.ValueFrom != nil && e.Value != "" {
			return d.fieldErr(fmt.Sprintf("%s.env[%d].valueFrom", path, i), "Invalid value: \"\": may not be specified when `value` is not empty")
		}
	}
	mounts := map[string]bool{}
	for i, m := range c.VolumeMounts {
		mp := fmt.Sprintf("%s.volumeMounts[%d]", path, i)
		switch {
		case m.Name == "":
			return d.fieldErr(mp+".name", "Required value")
		case !vols[m.Name]:
			return d.fieldErr(mp+".name", "Not found: %q", m.Name)
		case m.MountPath == "":
			return d.fieldErr(mp+".mountPath", "Required value")
		case mounts[m.MountPath]:
			return d.fieldErr(mp+".mountPath", "Invalid value: %q: must be unique", m.MountPath)
		}
		mounts[m.MountPath] = true
	}
	if err := d.validateResources(c.Resources, path+".resources"); err != nil {
		return err
	}
	if p := c.ImagePullPolicy; p != "" && !slices.Contains([]string{"Always", "IfNotPresent", "Never"}, p) {
		return d.fieldErr(path+".imagePullPolicy", "Unsupported value: %q: supported values: \"Always\", \"IfNotPresent\", \"Never\"", p)
	}
	for _, pr := range []struct {
		field string
		p     *Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}} {
		if pr.p == nil {
			continue
		}
		n := 0
		for _, set := range []bool{pr.p.Exec != nil, pr.p.HTTPGet != nil, pr.p.TCPSocket != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return d.fieldErr(path+"."+pr.field, "Required value: must specify a handler type")
		}
	}
	return nil
}

// validateResources checks the quantities, and that no request exceeds
// its limit.
func (d *document) validateResources(r *ResourceRequirements, path string) error {
	if r == nil {
		return nil
	}
	values := map[string]map[string]float64{}
	for _, l := range []struct {
		field string
		m     map[string]Quantity
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		values[l.field] = map[string]float64{}
		for _, name := range slices.Sorted(maps.Keys(l.m)) {
			v, err := nonNegative(string(l.m[name]))
			if err != nil {
				return d.fieldErr(path+"."+l.field+"["+name+"]", "Invalid value: %q: %v", l.m[name], err)
			}
			values[l.field][name] = v
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.Requests)) {
		if limit, ok := values["limits"][name]; ok && values["requests"][name] > limit {
			return d.fieldErr(path+".requests", "Invalid value: %q: must be less than or equal to %s limit of %s", r.Requests[name], name, r.Limits[name])
		}
	}
	return nil
}

// validateSelector checks a workload's selector against its template.
func (d *document) validateSelector(sel *LabelSelector, tmpl *PodTemplateSpec) error {
	if sel == nil || len(sel.MatchLabels) == 0 {
		return d.fieldErr("spec.selector", "Required value")
	}
	for k, v := range sel.MatchLabels {
		if tmpl.Metadata.Labels[k] != v {
			return d.fieldErr("spec.template.metadata.labels", "Invalid value: %v: `selector` does not match template `labels`", tmpl.Metadata.Labels)
		}
	}
	return nil
}

func (d *document) validateService(s *Service) error {
	if len(s.Spec.Ports) == 0 && s.Spec.ClusterIP != "None" {
		return d.fieldErr("spec.ports", "Required value")
	}
	for i, p := range s.Spec.Ports {
		pp := fmt.Sprintf("spec.ports[%d]", i)
		switch {
		case p.Port < 1 || p.Port > 65535:
			return d.fieldErr(pp+".port", "Invalid value: %d: must be between 1 and 65535, inclusive", p.Port)
		case p.TargetPort.String == "" && (p.TargetPort.Int < 0 || p.TargetPort.Int > 65535):
			return d.fieldErr(pp+".targetPort", "Invalid value: %d: must be between 1 and 65535, inclusive", p.TargetPort.Int)
		case p.Protocol != "" && !slices.Contains([]string{"TCP", "UDP", "SCTP"}, p.Protocol):
			return d.fieldErr(pp+".protocol", "Unsupported value: %q", p.Protocol)
		case p.NodePort != 0 && s.Spec.Type != "NodePort" && s.Spec.Type != "LoadBalancer":
			return d.fieldErr(pp+".nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'")
		case len(s.Spec.Ports) > 1 && p.Name == "":
			return d.fieldErr(pp+".name", "Required value")
		}
	}
	switch s.Spec.Type {
	case "", "ClusterIP", "NodePort", "LoadBalancer":
	default:
		return d.fieldErr("spec.type", "Unsupported value: %q: skiff publishes ClusterIP, NodePort and LoadBalancer Services", s.Spec.Type)
	}
	return nil
}

func (d *document) validateData(data map[string]string, field string, b64 bool) error {
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if !isConfigKey(k) {
			return d.fieldErr(field+"["+k+"]", "Invalid value: %q: a valid config key must consist of alphanumeric characters, '-', '_' or '.'", k)
		}
		if b64 {
			if _, err := base64.StdEncoding.DecodeString(data[k]); err != nil {
				return d.fieldErr(field+"["+k+"]", "Invalid value: not base64: %v", err)
			}
		}
	}
	return nil
}
