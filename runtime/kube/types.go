package kube

import (
	"strconv"

	"go.yaml.in/yaml/v4"
)

// The Kubernetes objects skiff writes and reads, with k8s.io/api's field
// names (core/v1, apps/v1, batch/v1). Only what skiff carries out is
// here; other fields of a document are found by the schema walk (Play's
// warnings) and never silently dropped.

// TypeMeta is apiVersion and kind.
type TypeMeta struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
}

// ObjectMeta is an object's metadata.
type ObjectMeta struct {
	Name        string            `yaml:"name,omitempty"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// Pod is core/v1 Pod.
type Pod struct {
	TypeMeta `yaml:",inline"`
	Metadata ObjectMeta `yaml:"metadata"`
	Spec     PodSpec    `yaml:"spec"`
}

// PodTemplateSpec is a workload's pod template.
type PodTemplateSpec struct {
	Metadata ObjectMeta `yaml:"metadata"`
	Spec     PodSpec    `yaml:"spec"`
}

// PodSpec is core/v1 PodSpec.
type PodSpec struct {
	InitContainers                []Container         `yaml:"initContainers,omitempty"`
	Containers                    []Container         `yaml:"containers"`
	Volumes                       []Volume            `yaml:"volumes,omitempty"`
	RestartPolicy                 string              `yaml:"restartPolicy,omitempty"`
	HostNetwork                   bool                `yaml:"hostNetwork,omitempty"`
	HostIPC                       bool                `yaml:"hostIPC,omitempty"`
	HostPID                       bool                `yaml:"hostPID,omitempty"`
	ShareProcessNamespace         *bool               `yaml:"shareProcessNamespace,omitempty"`
	Hostname                      string              `yaml:"hostname,omitempty"`
	HostAliases                   []HostAlias         `yaml:"hostAliases,omitempty"`
	DNSConfig                     *PodDNSConfig       `yaml:"dnsConfig,omitempty"`
	SecurityContext               *PodSecurityContext `yaml:"securityContext,omitempty"`
	TerminationGracePeriodSeconds *int64              `yaml:"terminationGracePeriodSeconds,omitempty"`
}

// HostAlias is an /etc/hosts entry.
type HostAlias struct {
	IP        string   `yaml:"ip"`
	Hostnames []string `yaml:"hostnames,omitempty"`
}

// PodDNSConfig is the pod's resolv.conf.
type PodDNSConfig struct {
	Nameservers []string             `yaml:"nameservers,omitempty"`
	Searches    []string             `yaml:"searches,omitempty"`
	Options     []PodDNSConfigOption `yaml:"options,omitempty"`
}

// PodDNSConfigOption is one resolv.conf option.
type PodDNSConfigOption struct {
	Name  string  `yaml:"name"`
	Value *string `yaml:"value,omitempty"`
}

// PodSecurityContext is the pod's defaults for its containers.
type PodSecurityContext struct {
	RunAsUser          *int64   `yaml:"runAsUser,omitempty"`
	RunAsGroup         *int64   `yaml:"runAsGroup,omitempty"`
	RunAsNonRoot       *bool    `yaml:"runAsNonRoot,omitempty"`
	SupplementalGroups []int64  `yaml:"supplementalGroups,omitempty"`
	Sysctls            []Sysctl `yaml:"sysctls,omitempty"`
}

// Sysctl is a namespaced kernel parameter.
type Sysctl struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// Container is core/v1 Container.
type Container struct {
	Name            string                `yaml:"name"`
	Image           string                `yaml:"image,omitempty"`
	Command         []string              `yaml:"command,omitempty"`
	Args            []string              `yaml:"args,omitempty"`
	WorkingDir      string                `yaml:"workingDir,omitempty"`
	Ports           []ContainerPort       `yaml:"ports,omitempty"`
	EnvFrom         []EnvFromSource       `yaml:"envFrom,omitempty"`
	Env             []EnvVar              `yaml:"env,omitempty"`
	Resources       *ResourceRequirements `yaml:"resources,omitempty"`
	VolumeMounts    []VolumeMount         `yaml:"volumeMounts,omitempty"`
	LivenessProbe   *Probe                `yaml:"livenessProbe,omitempty"`
	ReadinessProbe  *Probe                `yaml:"readinessProbe,omitempty"`
	ImagePullPolicy string                `yaml:"imagePullPolicy,omitempty"`
	SecurityContext *SecurityContext      `yaml:"securityContext,omitempty"`
	Stdin           bool                  `yaml:"stdin,omitempty"`
	TTY             bool                  `yaml:"tty,omitempty"`
}

// ContainerPort is a port the container listens on (hostPort: published).
type ContainerPort struct {
	Name          string `yaml:"name,omitempty"`
	HostPort      int32  `yaml:"hostPort,omitempty"`
	ContainerPort int32  `yaml:"containerPort"`
	Protocol      string `yaml:"protocol,omitempty"`
	HostIP        string `yaml:"hostIP,omitempty"`
}

// EnvVar is one environment variable, with a value or from a source.
type EnvVar struct {
	Name      string        `yaml:"name"`
	Value     string        `yaml:"value,omitempty"`
	ValueFrom *EnvVarSource `yaml:"valueFrom,omitempty"`
}

// EnvVarSource takes a variable's value from a ConfigMap or Secret key.
type EnvVarSource struct {
	ConfigMapKeyRef *KeySelector `yaml:"configMapKeyRef,omitempty"`
	SecretKeyRef    *KeySelector `yaml:"secretKeyRef,omitempty"`
}

// KeySelector names a key of a ConfigMap or Secret.
type KeySelector struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional *bool  `yaml:"optional,omitempty"`
}

// EnvFromSource takes every key of a ConfigMap or Secret.
type EnvFromSource struct {
	Prefix       string     `yaml:"prefix,omitempty"`
	ConfigMapRef *SourceRef `yaml:"configMapRef,omitempty"`
	SecretRef    *SourceRef `yaml:"secretRef,omitempty"`
}

// SourceRef names a ConfigMap or Secret.
type SourceRef struct {
	Name     string `yaml:"name"`
	Optional *bool  `yaml:"optional,omitempty"`
}

// ResourceRequirements are limits and requests (quantities as written).
type ResourceRequirements struct {
	Limits   map[string]Quantity `yaml:"limits,omitempty"`
	Requests map[string]Quantity `yaml:"requests,omitempty"`
}

// Quantity is a resource quantity ("128Mi", "0.5", 2) as written.
type Quantity string

// UnmarshalYAML takes a number or a string.
func (q *Quantity) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	*q = Quantity(s)
	return nil
}

// VolumeMount mounts a pod volume into a container.
type VolumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
	SubPath   string `yaml:"subPath,omitempty"`
}

// Probe is a liveness, readiness or startup check.
type Probe struct {
	Exec                *ExecAction      `yaml:"exec,omitempty"`
	HTTPGet             *HTTPGetAction   `yaml:"httpGet,omitempty"`
	TCPSocket           *TCPSocketAction `yaml:"tcpSocket,omitempty"`
	InitialDelaySeconds int32            `yaml:"initialDelaySeconds,omitempty"`
	TimeoutSeconds      int32            `yaml:"timeoutSeconds,omitempty"`
	PeriodSeconds       int32            `yaml:"periodSeconds,omitempty"`
	SuccessThreshold    int32            `yaml:"successThreshold,omitempty"`
	FailureThreshold    int32            `yaml:"failureThreshold,omitempty"`
}

// ExecAction runs a command in the container.
type ExecAction struct {
	Command []string `yaml:"command,omitempty"`
}

// HTTPGetAction asks the container for a page.
type HTTPGetAction struct {
	Path   string      `yaml:"path,omitempty"`
	Port   IntOrString `yaml:"port"`
	Host   string      `yaml:"host,omitempty"`
	Scheme string      `yaml:"scheme,omitempty"`
}

// TCPSocketAction connects to a port of the container.
type TCPSocketAction struct {
	Port IntOrString `yaml:"port"`
	Host string      `yaml:"host,omitempty"`
}

// SecurityContext is a container's.
type SecurityContext struct {
	Capabilities             *Capabilities `yaml:"capabilities,omitempty"`
	Privileged               *bool         `yaml:"privileged,omitempty"`
	RunAsUser                *int64        `yaml:"runAsUser,omitempty"`
	RunAsGroup               *int64        `yaml:"runAsGroup,omitempty"`
	RunAsNonRoot             *bool         `yaml:"runAsNonRoot,omitempty"`
	ReadOnlyRootFilesystem   *bool         `yaml:"readOnlyRootFilesystem,omitempty"`
	AllowPrivilegeEscalation *bool         `yaml:"allowPrivilegeEscalation,omitempty"`
}

// Capabilities are added and dropped capabilities (names without CAP_).
type Capabilities struct {
	Add  []string `yaml:"add,omitempty"`
	Drop []string `yaml:"drop,omitempty"`
}

// Volume is a pod volume.
type Volume struct {
	Name                  string                             `yaml:"name"`
	HostPath              *HostPathVolumeSource              `yaml:"hostPath,omitempty"`
	EmptyDir              *EmptyDirVolumeSource              `yaml:"emptyDir,omitempty"`
	PersistentVolumeClaim *PersistentVolumeClaimVolumeSource `yaml:"persistentVolumeClaim,omitempty"`
	ConfigMap             *ConfigMapVolumeSource             `yaml:"configMap,omitempty"`
	Secret                *SecretVolumeSource                `yaml:"secret,omitempty"`
}

// HostPathVolumeSource is a host path (type: Directory, File, ...).
type HostPathVolumeSource struct {
	Path string  `yaml:"path"`
	Type *string `yaml:"type,omitempty"`
}

// EmptyDirVolumeSource is a scratch volume (medium Memory: a tmpfs).
type EmptyDirVolumeSource struct {
	Medium    string    `yaml:"medium,omitempty"`
	SizeLimit *Quantity `yaml:"sizeLimit,omitempty"`
}

// PersistentVolumeClaimVolumeSource names a claim: a named volume.
type PersistentVolumeClaimVolumeSource struct {
	ClaimName string `yaml:"claimName"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

// ConfigMapVolumeSource makes a ConfigMap's keys files.
type ConfigMapVolumeSource struct {
	Name        string      `yaml:"name"`
	Items       []KeyToPath `yaml:"items,omitempty"`
	DefaultMode *int32      `yaml:"defaultMode,omitempty"`
	Optional    *bool       `yaml:"optional,omitempty"`
}

// SecretVolumeSource makes a Secret's keys files.
type SecretVolumeSource struct {
	SecretName  string      `yaml:"secretName"`
	Items       []KeyToPath `yaml:"items,omitempty"`
	DefaultMode *int32      `yaml:"defaultMode,omitempty"`
	Optional    *bool       `yaml:"optional,omitempty"`
}

// KeyToPath puts a key in a file.
type KeyToPath struct {
	Key  string `yaml:"key"`
	Path string `yaml:"path"`
	Mode *int32 `yaml:"mode,omitempty"`
}

// IntOrString is a port number or name.
type IntOrString struct {
	Int    int32
	String string
}

// MarshalYAML writes the number, or the name.
func (v IntOrString) MarshalYAML() (any, error) {
	if v.String != "" {
		return v.String, nil
	}
	return v.Int, nil
}

// UnmarshalYAML reads a number or a name.
func (v *IntOrString) UnmarshalYAML(n *yaml.Node) error {
	if i, err := strconv.ParseInt(n.Value, 10, 32); err == nil && n.Tag != "!!str" {
		*v = IntOrString{Int: int32(i)}
		return nil
	}
	*v = IntOrString{String: n.Value}
	return nil
}

// LabelSelector selects pods by labels.
type LabelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels,omitempty"`
}

// Deployment is apps/v1 Deployment.
type Deployment struct {
	TypeMeta `yaml:",inline"`
	Metadata ObjectMeta     `yaml:"metadata"`
	Spec     DeploymentSpec `yaml:"spec"`
}

// DeploymentSpec is a Deployment's replicas, selector and template.
type DeploymentSpec struct {
	Replicas *int32          `yaml:"replicas,omitempty"`
	Selector *LabelSelector  `yaml:"selector"`
	Template PodTemplateSpec `yaml:"template"`
}

// DaemonSet is apps/v1 DaemonSet: one pod here.
type DaemonSet struct {
	TypeMeta `yaml:",inline"`
	Metadata ObjectMeta    `yaml:"metadata"`
	Spec     DaemonSetSpec `yaml:"spec"`
}

// DaemonSetSpec is a DaemonSet's selector and template.
type DaemonSetSpec struct {
	Selector *LabelSelector  `yaml:"selector"`
	Template PodTemplateSpec `yaml:"template"`
}

// Job is batch/v1 Job: one pod here.
type Job struct {
	TypeMeta `yaml:",inline"`
	Metadata ObjectMeta `yaml:"metadata"`
	Spec     JobSpec    `yaml:"spec"`
}

// JobSpec is a Job's template (and how often it may fail).
type JobSpec struct {
	BackoffLimit *int32          `yaml:"backoffLimit,omitempty"`
	Template     PodTemplateSpec `yaml:"template"`
}

// Service is core/v1 Service: its ports are published on the pods it
// selects.
type Service struct {
	TypeMeta `yaml:",inline"`
	Metadata ObjectMeta  `yaml:"metadata"`
	Spec     ServiceSpec `yaml:"spec"`
}

// ServiceSpec is a Service's type, selector and ports.
type ServiceSpec struct {
	Type string `yaml:"type,omitempty"`
	// ClusterIP "None" makes a headless Service: names, no ports published.
	ClusterIP string            `yaml:"clusterIP,omitempty"`
	Selector  map[string]string `yaml:"selector,omitempty"`
	Ports     []ServicePort     `yaml:"ports,omitempty"`
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name       string      `yaml:"name,omitempty"`
	Protocol   string      `yaml:"protocol,omitempty"`
	Port       int32       `yaml:"port"`
	TargetPort IntOrString `yaml:"targetPort,omitempty"`
	NodePort   int32       `yaml:"nodePort,omitempty"`
}

// PersistentVolumeClaim is core/v1 PersistentVolumeClaim: a named volume.
type PersistentVolumeClaim struct {
	TypeMeta `yaml:",inline"`
	Metadata ObjectMeta `yaml:"metadata"`
	Spec     PVCSpec    `yaml:"spec"`
}

// PVCSpec is a claim's access modes and size.
type PVCSpec struct {
	AccessModes      []string              `yaml:"accessModes,omitempty"`
	Resources        *ResourceRequirements `yaml:"resources,omitempty"`
	StorageClassName *string               `yaml:"storageClassName,omitempty"`
}

// ConfigMap is core/v1 ConfigMap.
type ConfigMap struct {
	TypeMeta   `yaml:",inline"`
	Metadata   ObjectMeta        `yaml:"metadata"`
	Data       map[string]string `yaml:"data,omitempty"`
	BinaryData map[string]string `yaml:"binaryData,omitempty"`
	Immutable  *bool             `yaml:"immutable,omitempty"`
}

// Secret is core/v1 Secret (data base64, stringData plain).
type Secret struct {
	TypeMeta   `yaml:",inline"`
	Metadata   ObjectMeta        `yaml:"metadata"`
	Type       string            `yaml:"type,omitempty"`
	Data       map[string]string `yaml:"data,omitempty"`
	StringData map[string]string `yaml:"stringData,omitempty"`
	Immutable  *bool             `yaml:"immutable,omitempty"`
}
