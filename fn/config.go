// Package fn is the boundary of inject-sidecars: the SidecarInjection API
// and its strict decoding, the KRM ResourceList processor, the plain-YAML
// reader and writer of the command line, and results.
package fn

import (
	corev1 "k8s.io/api/core/v1"
)

const (
	// APIVersion and Kind of the injection config.
	APIVersion = "inject-sidecars.dev/v1alpha1"
	Kind       = "SidecarInjection"
)

// SidecarInjection is the injection config. The Go types serve strict
// decoding, validation and the JSON Schema; what is injected is the user's
// own YAML, kept next to them.
type SidecarInjection struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
}

// Metadata of the config. Only the name matters: it keys the status
// annotation. Orchestrators add annotations of their own, which are read
// leniently.
type Metadata struct {
	// Name of the injection: a DNS-1123 label.
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Spec says what to inject and where.
type Spec struct {
	// Targets picks workloads (OR of selectors); empty picks every workload.
	Targets []Selector `json:"targets,omitempty"`
	// Exclude drops workloads; a match here always wins.
	Exclude []Selector `json:"exclude,omitempty"`
	// OptIn injects only where the inject-sidecars.dev/inject annotation asks.
	OptIn bool `json:"optIn,omitempty"`
	// Mode is native (default: initContainers with restartPolicy: Always)
	// or classic (containers).
	Mode string `json:"mode,omitempty"`
	// Position is first, last, before:NAME or after:NAME; the default is
	// first for native and last for classic.
	Position string `json:"position,omitempty"`
	// OnConflict is error (default), skip or replace.
	OnConflict string `json:"onConflict,omitempty"`
	// Containers are the sidecars.
	Containers []corev1.Container `json:"containers,omitempty"`
	// InitContainers run to completion before the app starts.
	InitContainers []corev1.Container `json:"initContainers,omitempty"`
	// Volumes are added to the pod.
	Volumes []corev1.Volume `json:"volumes,omitempty"`
	// VolumeMounts are added to the workload's own containers.
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`
	// Env is added to the workload's own containers.
	Env []corev1.EnvVar `json:"env,omitempty"`
	// AppContainers names the workload's containers that get volumeMounts
	// and env; empty means all of them.
	AppContainers []string `json:"appContainers,omitempty"`
	// PodAnnotations are merged into the pod template's annotations.
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`
	// PodLabels are merged into the pod template's labels.
	PodLabels map[string]string `json:"podLabels,omitempty"`
	// ImagePullSecrets are added to the pod once.
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// WorkloadKinds declares more kinds that carry a Pod spec.
	WorkloadKinds []WorkloadKind `json:"workloadKinds,omitempty"`
	// Action is inject (default) or uninject.
	Action string `json:"action,omitempty"`
}

// Selector picks resources. Group, version, kind, name and namespace are
// anchored regular expressions; the selectors use Kubernetes label
// selector syntax on the resource's labels and annotations.
type Selector struct {
	Group              string `json:"group,omitempty"`
	Version            string `json:"version,omitempty"`
	Kind               string `json:"kind,omitempty"`
	Name               string `json:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
}

// WorkloadKind declares a kind that carries a Pod spec, such as an
// OpenKruise CloneSet or a Knative Service.
type WorkloadKind struct {
	// Group of the kind; empty matches the kind in any group.
	Group string `json:"group,omitempty"`
	Kind  string `json:"kind"`
	// PodSpecPath is the slash-separated path to the Pod spec, such as
	// spec/template/spec.
	PodSpecPath string `json:"podSpecPath"`
}
