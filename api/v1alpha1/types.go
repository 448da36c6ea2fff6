// Package v1alpha1 is the injection config API: the SidecarInjection
// types, their strict decoding, defaults, validation and JSON Schema. It
// is the one place a config field is declared; the injection (package
// transform) reads these typed values, and nothing mirrors them.
//
// To add a config field: declare it on Spec (its json tag is its name in
// YAML, and the decoder finds it by reflection), check it in Validate,
// and use it in transform. Whether a workload is up to date is decided by
// what the injection renders for it (transform's fingerprint), so a
// field that only picks workloads needs nothing more.
package v1alpha1

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	// Group is the API group of the config kinds.
	Group = "inject-sidecars.dev"
	// APIVersion and Kind of the injection config.
	APIVersion = Group + "/v1alpha1"
	Kind       = "SidecarInjection"
)

// SidecarInjection is the injection config.
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
	Targets []Selector `json:"targets,omitempty" jsonschema_description:"Which workloads to inject (OR of selectors); empty picks every workload."`
	// Exclude drops workloads; a match here always wins.
	Exclude []Selector `json:"exclude,omitempty" jsonschema_description:"Workloads never to inject; a match here always wins over targets."`
	// OptIn injects only where the inject-sidecars.dev/inject annotation asks.
	OptIn bool `json:"optIn,omitempty" jsonschema_description:"Inject only where the inject-sidecars.dev/inject annotation asks for this injection."`
	// Mode is native (default: initContainers with restartPolicy: Always),
	// classic (containers), or auto (native from Kubernetes 1.29, classic
	// below).
	Mode Mode `json:"mode,omitempty" jsonschema_description:"native (default): sidecars go to initContainers with restartPolicy: Always; classic: sidecars go to containers; auto: native from Kubernetes 1.29, classic below (native when no version is known)."`
	// KubernetesVersion is the version of the cluster the manifests are
	// for ("1.30", "v1.30.2"); --kube-version overrides it.
	KubernetesVersion string `json:"kubernetesVersion,omitempty" jsonschema_description:"The Kubernetes version of the cluster the manifests are for, such as 1.30 or v1.30.2. Decides mode: auto and which Pod Security checks apply."`
	// PodSecurity is the Pod Security level every injected pod must meet;
	// when empty, the level of its Namespace's enforce label in the input.
	PodSecurity PodSecurityLevel `json:"podSecurity,omitempty" jsonschema_description:"privileged, baseline or restricted: the Pod Security level every injected pod must meet. Default: the pod-security.kubernetes.io/enforce label of its Namespace in the input."`
	// Position is first, last, before:NAME or after:NAME; the default is
	// first for native and last for classic.
	Position Position `json:"position,omitempty" jsonschema_description:"Where sidecars go in their list: first, last, before:NAME or after:NAME. Default: first for native, last for classic."`
	// OnConflict is error (default), skip or replace.
	OnConflict OnConflict `json:"onConflict,omitempty" jsonschema_description:"What to do when the pod already has something the injection adds: error (default), skip or replace."`
	// Containers are the sidecars.
	Containers []Object[corev1.Container] `json:"containers,omitempty" jsonschema_description:"The sidecars (core/v1 Container)."`
	// InitContainers run to completion before the app starts.
	InitContainers []Object[corev1.Container] `json:"initContainers,omitempty" jsonschema_description:"Run-to-completion init containers (core/v1 Container)."`
	// Volumes are added to the pod.
	Volumes []Object[corev1.Volume] `json:"volumes,omitempty" jsonschema_description:"Volumes added to the pod (core/v1 Volume)."`
	// VolumeMounts are added to the workload's own containers.
	VolumeMounts []Object[corev1.VolumeMount] `json:"volumeMounts,omitempty" jsonschema_description:"Mounts added to the workload's own containers (core/v1 VolumeMount)."`
	// Env is added to the workload's own containers.
	Env []Object[corev1.EnvVar] `json:"env,omitempty" jsonschema_description:"Environment variables added to the workload's own containers (core/v1 EnvVar)."`
	// AppContainers names the workload's containers that get volumeMounts
	// and env; empty means all of them.
	AppContainers []string `json:"appContainers,omitempty" jsonschema_description:"Names of the workload's containers that get volumeMounts and env; empty means all of them."`
	// PodAnnotations are merged into the pod template's annotations.
	PodAnnotations map[string]string `json:"podAnnotations,omitempty" jsonschema_description:"Annotations merged into the pod template's metadata."`
	// PodLabels are merged into the pod template's labels.
	PodLabels map[string]string `json:"podLabels,omitempty" jsonschema_description:"Labels merged into the pod template's metadata."`
	// ImagePullSecrets are added to the pod once.
	ImagePullSecrets []Object[corev1.LocalObjectReference] `json:"imagePullSecrets,omitempty" jsonschema_description:"Pull secrets added to the pod once, never duplicated."`
	// WorkloadKinds declares more kinds that carry a Pod spec.
	WorkloadKinds []WorkloadKind `json:"workloadKinds,omitempty" jsonschema_description:"More kinds that carry a Pod spec: {group, kind, podSpecPath}."`
	// Overrides lists what a workload's owners may change in this
	// injection's containers with the inject-sidecars.dev/overrides
	// annotation; the default is [resources].
	Overrides []OverrideField `json:"overrides,omitempty" jsonschema_description:"What workload owners may override with the inject-sidecars.dev/overrides annotation: image, resources, env, args. Default: [resources]."`
	// Action is inject (default) or uninject.
	Action Action `json:"action,omitempty" jsonschema_description:"inject (default) or uninject: remove what this injection added."`
	// Admission configures the admission policies generated for this
	// injection (inject-sidecars --admission-policy).
	Admission *Admission `json:"admission,omitempty" jsonschema_description:"What the generated admission policies add: validate (Deny, Warn or Audit) checks that workloads carry the injection; emit (KRM mode) adds the policies to the output."`
}

// Admission configures the admission policies of an injection.
type Admission struct {
	// Validate adds a ValidatingAdmissionPolicy that checks that the
	// workloads the targets select carry the injection's containers with
	// the config's images: Deny refuses them, Warn warns, Audit records.
	Validate ValidationAction `json:"validate,omitempty" jsonschema_description:"Deny, Warn or Audit: add a ValidatingAdmissionPolicy that checks that the workloads the targets select carry the injection's containers with the config's images."`
	// Emit makes the KRM function add the policies to its output items,
	// at admission/<injection>.yaml.
	Emit bool `json:"emit,omitempty" jsonschema_description:"KRM mode: add the admission policies to the output items, at admission/<injection>.yaml."`
}

// ValidationAction is what a ValidatingAdmissionPolicy does with a
// workload that lacks the injection.
type ValidationAction string

// The validation actions, as the API server spells them.
var ValidationActions = []ValidationAction{"Deny", "Warn", "Audit"}

// Object is an object the injection adds to a pod: its typed value, for
// validation, and the user's own YAML for it, which is what gets injected
// (with its field order and comments).
type Object[T any] struct {
	Value T
	Node  *yaml.Node
}

// JSONSchemaAlias gives Object the schema of what it holds.
func (Object[T]) JSONSchemaAlias() any { var v T; return v }

// setNode is how the decoder fills in the YAML of an Object it decoded.
func (o *Object[T]) setNode(n *yaml.Node) { o.Node = n }
func (o *Object[T]) value() any           { return &o.Value }

// Nodes returns the YAML of each object, in order.
func Nodes[T any](objs []Object[T]) []*yaml.Node {
	out := make([]*yaml.Node, len(objs))
	for i, o := range objs {
		out[i] = o.Node
	}
	return out
}

// Mode says where sidecars go.
type Mode string

const (
	// Native sidecars are initContainers with restartPolicy: Always.
	Native Mode = "native"
	// Classic sidecars are extra entries in containers.
	Classic Mode = "classic"
	// Auto is native from Kubernetes 1.29 (and when no version is
	// known), classic below; Default resolves it.
	Auto Mode = "auto"
)

// PodSecurityLevel is a Pod Security Standards level.
type PodSecurityLevel string

// The Pod Security levels.
var PodSecurityLevels = []PodSecurityLevel{"privileged", "baseline", "restricted"}

// OnConflict says what to do when the pod already has something the
// injection would add.
type OnConflict string

const (
	ConflictError   OnConflict = "error"
	ConflictSkip    OnConflict = "skip"
	ConflictReplace OnConflict = "replace"
)

// Action says whether an injection adds or removes its objects.
type Action string

const (
	Inject   Action = "inject"
	Uninject Action = "uninject"
)

// OverrideField is a container field that workload owners may override.
type OverrideField string

const (
	OverrideImage     OverrideField = "image"
	OverrideResources OverrideField = "resources"
	OverrideEnv       OverrideField = "env"
	OverrideArgs      OverrideField = "args"
)

// OverrideFields are the fields spec.overrides may list.
var OverrideFields = []OverrideField{OverrideImage, OverrideResources, OverrideEnv, OverrideArgs}

// Position is where in the target list the sidecars go: first, last,
// before:NAME or after:NAME.
type Position string

// Where is where in their list the sidecars go, the kind of a
// Position without its container name.
type Where string

// The places a Position names; Before and After are next to an existing
// container.
const (
	First  Where = "first"
	Last   Where = "last"
	Before Where = "before"
	After  Where = "after"
)

// Parse splits a position into where the sidecars go and the existing
// container that before and after refer to.
func (p Position) Parse() (where Where, container string, err error) {
	switch w := Where(p); w {
	case First, Last:
		return w, "", nil
	}
	kind, name, ok := strings.Cut(string(p), ":")
	if w := Where(kind); ok && (w == Before || w == After) && name != "" {
		return w, name, nil
	}
	return "", "", fmt.Errorf("%q is not a position: want first, last, before:NAME or after:NAME", string(p))
}

// Selector picks resources, with kustomize's Selector semantics: group,
// version, kind, name and namespace are anchored regular expressions; the
// selectors use Kubernetes label selector syntax on the resource's labels
// and annotations. An empty field matches everything.
type Selector struct {
	Group              string `json:"group,omitempty"`
	Version            string `json:"version,omitempty"`
	Kind               string `json:"kind,omitempty"`
	Name               string `json:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
	// NamespaceSelector is a label selector on the labels of the
	// Namespace object (found in the same input) that the resource's
	// namespace names.
	NamespaceSelector string `json:"namespaceSelector,omitempty"`
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

// Path returns the steps of PodSpecPath.
func (k WorkloadKind) Path() []string {
	return strings.Split(strings.Trim(k.PodSpecPath, "/"), "/")
}
