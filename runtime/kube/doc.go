// Package kube carries skiff's containers, pods, volumes and compose
// projects to Kubernetes and back: Generate writes Kubernetes YAML (Pods,
// Deployments, DaemonSets, Jobs, Services, PersistentVolumeClaims,
// ConfigMaps, Secrets) from what runs, Play runs such YAML with skiff's
// own verbs (runtime/pod, runtime/container through run's flag parsers,
// runtime/image, runtime/volume, runtime/network, runtime/build), Down
// removes what Play made.
//
// The YAML is read and written through this package's own small types
// (types.go), with the field names of k8s.io/api: that module's scheme
// registration costs every command several milliseconds at start, and
// none of it is needed to read or write a document. Which fields
// Kubernetes knows (so that a document Kubernetes would refuse is told
// apart from one skiff does not carry out) is schema.go, generated from
// k8s.io/api by test/kubevalidate and checked against it there; the
// tests of test/kubevalidate also validate every document the tests of
// this package generate with the Kubernetes API's own validation.
//
// It must not import commands.
package kube
