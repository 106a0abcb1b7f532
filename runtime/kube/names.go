package kube

import (
	"regexp"
	"strings"
	"sync"
)

// Kubernetes' name rules (k8s.io/apimachinery/pkg/util/validation), the
// ones skiff's documents meet; compiled at first use, not at every
// command's start.
var rules = sync.OnceValue(func() *nameRules {
	return &nameRules{
		label:         regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`),
		subdomain:     regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`),
		qualifiedName: regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`),
		labelValue:    regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`),
		configMapKey:  regexp.MustCompile(`^[-._a-zA-Z0-9]+$`),
	}
})

type nameRules struct {
	label, subdomain, qualifiedName, labelValue, configMapKey *regexp.Regexp
}

// isConfigKey reports whether s may be a ConfigMap's or Secret's key.
func isConfigKey(s string) bool { return rules().configMapKey.MatchString(s) }

// isLabel reports whether s is an RFC 1123 label (container, volume and
// port names; a Service's name).
func isLabel(s string) bool { return len(s) <= 63 && rules().label.MatchString(s) }

// isSubdomain reports whether s is an RFC 1123 subdomain (object names).
func isSubdomain(s string) bool { return len(s) <= 253 && rules().subdomain.MatchString(s) }

// isQualifiedName reports whether s is a label or annotation key:
// [PREFIX/]NAME.
func isQualifiedName(s string) bool {
	prefix, name, ok := strings.Cut(s, "/")
	if !ok {
		name, prefix = prefix, ""
	} else if prefix == "" || !isSubdomain(prefix) {
		return false
	}
	return len(name) <= 63 && rules().qualifiedName.MatchString(name)
}

// isLabelValue reports whether s may be a label's value.
func isLabelValue(s string) bool { return len(s) <= 63 && rules().labelValue.MatchString(s) }

// toLabel makes s an RFC 1123 label, as close as it can: lower case,
// runs of other characters as one "-", at most 63 characters.
func toLabel(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 63 {
		out = strings.Trim(out[:63], "-")
	}
	if out == "" {
		out = "x"
	}
	return out
}

// hostPathName names the volume of a host path as podman does, the path
// as a label plus "-host", keeping the path's last elements (the most
// specific) when the whole would pass a label's 63 characters.
func hostPathName(path string) string {
	elems := strings.Split(strings.Trim(path, "/"), "/")
	for i := range elems {
		if l := toLabel(strings.Join(elems[i:], "/")); len(l) <= 63-len("-host") || i == len(elems)-1 {
			return strings.Trim(l[:min(len(l), 63-len("-host"))], "-") + "-host"
		}
	}
	return "x-host"
}
